import type { EventInput } from "@tributary/protocol";
import type { EventTypeDoc } from "../api/api-client.ts";

export interface Preset {
  label: string;
  group: string;
  event: EventInput;
}

/**
 * The agent events a person appends: the input first (the one appended most), then the configuration.
 * The agent's schemas are not loaded in the browser; a test checks these payloads against them.
 */
export const agentPresets: readonly Preset[] = [
  { type: "agent-input-added", payload: { content: "Hello! What can you do?" } },
  { type: "agent-model-changed", payload: { model: "gpt-4o-mini" } },
  { type: "agent-system-prompt-changed", payload: { systemPrompt: "You are a careful coding agent." } },
  { type: "agent-provider-changed", payload: { baseUrl: "http://localhost:11434/v1", api: "chat" } },
  { type: "agent-settings-changed", payload: { contextWindowMs: 200, maxTurns: 20, interruptPolicy: "interrupt" } },
  { type: "agent-context-added", payload: { content: "The user's timezone is Europe/Berlin.", source: "memory" } },
].map((event) => ({ label: event.type, group: "Agent", event }));

const pingPong = `export default {
  slug: "ping-pong",
  initialState: { pings: 0 },
  reduce: ({ event, state }) => (event.type === "ping" ? { pings: state.pings + 1 } : state),
  afterAppend: async ({ event, append }) => {
    if (event.type === "ping") await append({ event: { type: "pong", payload: { to: event.offset } } });
  },
};
`;

/**
 * The composer's templates: the agent's events, a runnable hosted processor, and one per built-in event type
 * from its docs (the type's preset, or its example), so a new built-in gets a preset without a UI change.
 * Types only the server appends are listed last; appending them is refused, which the composer shows.
 *
 * @example
 * presetsFrom(await api.eventTypes()).map((preset) => preset.label);
 */
export function presetsFrom(docs: readonly EventTypeDoc[]): Preset[] {
  // Registered families (the agent's types, documented by `tributary serve`) have their presets above.
  const builtins = docs
    .filter((doc) => (doc.group ?? "builtin") === "builtin")
    .map((doc) => ({ label: doc.type, group: doc.appendedBy === "server" ? "Built-in (appended by the server)" : "Built-in", event: templateOf(doc) }));
  return [...agentPresets, ...builtins.filter((p) => p.group === "Built-in"), ...builtins.filter((p) => p.group !== "Built-in")];
}

/** The docs' preset when it is more than the example; else the example, or a runnable processor. */
function templateOf(doc: EventTypeDoc): EventInput {
  const explicit = doc.preset && JSON.stringify(doc.preset) !== JSON.stringify(doc.example) ? doc.preset : undefined;
  if (explicit) return explicit;
  if (doc.type === "processor/deployed") return { type: doc.type, payload: { slug: "ping-pong", script: pingPong } };
  return doc.example;
}

import type { EventInput } from "@tributary/protocol";
import type { EventTypeDoc } from "../api/api-client.ts";

export interface Preset {
  label: string;
  group: string;
  event: EventInput;
}

/** The agent's own input, the one event a person appends most. */
export const agentInputPreset: Preset = {
  label: "agent-input-added",
  group: "Agent",
  event: { type: "agent-input-added", payload: { content: "Hello! What can you do?" } },
};

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
 * The composer's templates: the agent input, a runnable hosted processor, and one per built-in event type
 * made from the example on its docs page (so a new built-in gets a preset without a UI change).
 * Types only the server appends are listed last; appending them is refused, which the composer shows.
 *
 * @example
 * presetsFrom(await api.eventTypes()).map((preset) => preset.label);
 */
export function presetsFrom(docs: readonly EventTypeDoc[]): Preset[] {
  const builtins = docs.map((doc) => ({
    label: doc.type,
    group: doc.appendedBy === "server" ? "Built-in (appended by the server)" : "Built-in",
    event: doc.type === "processor/deployed" ? { type: doc.type, payload: { slug: "ping-pong", script: pingPong } } : doc.example,
  }));
  return [agentInputPreset, ...builtins.filter((p) => p.group === "Built-in"), ...builtins.filter((p) => p.group !== "Built-in")];
}

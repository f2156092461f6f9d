import type { Processor, StoredEvent } from "@tributary/protocol";
import { agentEvent, parseAgentPayload } from "../agent-event-types.ts";
import type { ToolDefinition } from "../events.ts";
import { toolDefinition, type Tool, type ToolResult } from "./define-tool.ts";
import { createPendingAppends } from "./pending-appends.ts";
import { runToolCall } from "./run-tool-call.ts";

/** A tool processor's state on one stream. */
export interface ToolProcessorState {
  /** Tool name → the JSON of its definition as last announced on this stream. */
  announced: Record<string, string>;
  /** Calls to these tools that have no result yet: call id → request id. */
  open: Record<string, string>;
  /** The tool of each open call: call id → name. */
  names?: Record<string, string>;
  /** Open calls a process of these tools took (`agent-tool-call-started`): call id → true. */
  started?: Record<string, true>;
}

/** Tools of different input types share one list. */
type AnyTool = Tool<any>;

const sameJson = (definition: ToolDefinition) => JSON.stringify(definition);

/** Pure and total: tracks announcements and open calls of the tools in `names`. */
export function reduceToolState(state: ToolProcessorState, event: StoredEvent, names: ReadonlySet<string>): ToolProcessorState {
  const parsed = parseAgentPayload(event.type, event.payload);
  if (!parsed?.ok) return state;
  const payload = parsed.payload as Record<string, unknown> & { name: string; callId: string; requestId: string };
  if (!names.has(payload.name)) return state;
  switch (event.type) {
    case "agent-tool-announced":
      return { ...state, announced: { ...state.announced, [payload.name]: sameJson(payload as unknown as ToolDefinition) } };
    case "agent-tool-withdrawn": {
      const { [payload.name]: _gone, ...announced } = state.announced;
      return { ...state, announced };
    }
    case "agent-tool-call-requested":
      return { ...state, open: { ...state.open, [payload.callId]: payload.requestId }, names: { ...state.names, [payload.callId]: payload.name } };
    case "agent-tool-call-started":
      return state.open[payload.callId] === undefined ? state : { ...state, started: { ...state.started, [payload.callId]: true } };
    case "agent-tool-call-completed": {
      const { [payload.callId]: _done, ...open } = state.open;
      const { [payload.callId]: _ran, ...started } = state.started ?? {};
      const { [payload.callId]: _name, ...names } = state.names ?? {};
      return { ...state, open, started, names };
    }
    default:
      return state;
  }
}

const asResult = (result: ToolResult) =>
  typeof result === "string" ? { output: result, isError: false } : { output: result.output, isError: result.isError ?? false };

/**
 * Serves tools as one stream processor. Rules:
 * 1. It announces each tool (`agent-tool-announced`) on its stream when it starts, and on any stream where
 *    an `agent-input-added` appears without a current announcement (so sub-agents on child streams get the
 *    tools too, inside their context window).
 * 2. On `agent-tool-call-requested` for one of its tools it validates the arguments with the tool's schema
 *    (invalid ones are answered with an error result that says what to fix) and runs the tool.
 * 3. It answers with `agent-tool-call-completed`, idempotency key `tool:<request>:<call>`: a retried or
 *    doubled call stores one result. A failure of the tool is an error result, never a silent one. A
 *    result the server refused (a paused stream) is tried again with the stream's next event.
 * 4. If someone else closes a call it is running (the agent cancelled it), the run's signal aborts.
 * 5. It acknowledges each call it takes with `agent-tool-call-started` before running it (the agent ends an
 *    unacknowledged call after `toolAckTimeoutMs` and withdraws the tool: its process is gone).
 * 6. Calls that were open when it started are not run (one may have half-run when the last process died):
 *    each gets an error result that says so, so the model can decide to call again.
 * 7. When its runtime stops during a call, the call gets an error result (the tool's process stopped).
 * 8. When its runtime stops (`onStop`: SIGTERM / SIGINT under `tributary run`), it withdraws every tool it
 *    announced on each stream (`agent-tool-withdrawn`) before the process exits, so the model is not offered
 *    a tool nobody serves. A process killed outright cannot: its calls go unacknowledged (rule 5).
 *
 * @example
 * const tools = createToolProcessor([shellTool({ cwd: "/work" }), ...fileTools({ cwd: "/work" })]);
 * await new PullProcessorRuntime({ path: "/me/agent", includeChildren: true, processor: tools }).run();
 */
export function createToolProcessor(tools: AnyTool[], options: { slug?: string } = {}): Processor<ToolProcessorState> {
  const byName = new Map(tools.map((tool) => [tool.name, tool as Tool<unknown>]));
  const names = new Set(byName.keys());
  // `acknowledges`: every call is answered at once with `agent-tool-call-started`, so the agent can tell a
  // tool whose process is gone (no acknowledgement) from one that is busy.
  const definitions = [...byName.values()].map((tool) => ({ ...toolDefinition(tool), acknowledges: true }));
  const slug = options.slug ?? `tools-${[...names].join("-")}`.slice(0, 128);
  const running = new Map<string, AbortController>();
  const pending = createPendingAppends();
  const announcing = new Set<string>();

  async function announce(
    path: string,
    state: ToolProcessorState,
    append: (input: { path: string; event: ReturnType<typeof agentEvent> }) => Promise<unknown>,
  ) {
    if (announcing.has(path)) return;
    const missing = definitions.filter((definition) => state.announced[definition.name] !== sameJson(definition));
    if (missing.length === 0) return;
    announcing.add(path);
    try {
      for (const definition of missing) await append({ path, event: agentEvent("agent-tool-announced", definition) });
    } finally {
      announcing.delete(path);
    }
  }

  return {
    slug,
    initialState: { announced: {}, open: {} },
    concurrency: "concurrent",
    reduce: ({ event, state }) => reduceToolState(state, event, names),
    async onCaughtUp({ state, append, path }) {
      await announce(path, state, append);
      for (const callId of Object.keys(state.open)) {
        const output = state.started?.[callId]
          ? "error: the tool's process stopped while it ran this call (it may have done part of the work); it runs again now, so the call can be made again"
          : "error: this call was made while no process served the tool; it runs now, so the call can be made again";
        // The key the agent closes a call with when it restarts: when both restart together, the call closes once.
        const event = agentEvent(
          "agent-tool-call-completed",
          { callId, name: state.names?.[callId] ?? [...names][0]!, output, isError: true },
          { idempotencyKey: `agent:close:${callId}` },
        );
        await pending.send(path, event, append).catch(() => undefined);
      }
    },
    async onStop({ state, append, path }) {
      for (const name of Object.keys(state.announced)) {
        await append({ path, event: agentEvent("agent-tool-withdrawn", { name, reason: `the ${slug} process serving it stopped` }) });
      }
    },
    async afterAppend({ event, state, append, signal }) {
      const path = event.streamPath;
      await pending.flush(path, append);
      if (event.type === "agent-input-added") return announce(path, state, append);
      const parsed = parseAgentPayload(event.type, event.payload);
      if (!parsed?.ok) return;
      if (event.type === "agent-tool-call-completed") {
        running.get(`${path}#${(parsed.payload as { callId: string }).callId}`)?.abort();
        return;
      }
      if (event.type !== "agent-tool-call-requested") return;
      const call = parsed.payload as { callId: string; requestId: string; name: string; input: unknown; arguments: string };
      const tool = byName.get(call.name);
      if (!tool || state.open[call.callId] === undefined) return;
      await runToolCall({
        path,
        call,
        append,
        signal,
        running,
        pending,
        keyPrefix: "tool",
        stoppedOutput: `error: the ${tool.name} tool's process stopped while it ran this call`,
        execute: async (callSignal) => {
          const input = tool.input.safeParse(call.input ?? {});
          if (call.input === null && call.arguments.trim() !== "") {
            return { output: `error: the arguments are not valid JSON: ${call.arguments.slice(0, 500)}`, isError: true };
          }
          if (!input.success) {
            return {
              output: `error: invalid arguments for ${tool.name}: ${input.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")}`,
              isError: true,
            };
          }
          return asResult(await tool.run(input.data, { signal: callSignal, path, callId: call.callId, requestId: call.requestId, append }));
        },
      });
    },
  };
}

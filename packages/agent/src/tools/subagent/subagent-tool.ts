import { agentBreaker, agentBreakerKey } from "../../streaming-breaker.ts";
import type { ProcessorAppend, Processor } from "@tributary/protocol";
import { resolveStreamPath } from "@tributary/protocol";
import { agentEvent } from "../../agent-event-types.ts";
import { toolDefinition, type Tool } from "../define-tool.ts";
import { createPendingAppends, type PendingAppends } from "../pending-appends.ts";
import { initialSubagentState, reduceSubagent, subagentInputSchema, subagentToolName, type DelegatedBy, type SubagentState } from "./subagent-state.ts";

/** The default of `maxSubagentDepth`: a sub-agent may have sub-agents, three levels at most. */
export const defaultMaxSubagentDepth = 3;

const definition = toolDefinition({
  name: subagentToolName,
  // A sub-agent works as long as its own runs take; the agent's default tool timeout is for tools.
  timeoutMs: 3_600_000,
  description:
    "Delegate a task to a sub-agent. It runs on the child stream ./<name> with the same tools, works on its own, and its final answer comes back as this tool's result. Reuse a name to continue with the same sub-agent.",
  input: subagentInputSchema,
  run: async () => "",
} as Tool<unknown>);

async function report(
  pending: PendingAppends,
  append: ProcessorAppend,
  delegation: DelegatedBy & { ended?: { outcome: string; text?: string }; closed?: boolean },
) {
  const ended = delegation.ended!;
  if (delegation.closed) return; // the parent closed the call itself (stopped, cancelled, timed out): it is answered once
  const output = ended.outcome === "answered" ? (ended.text ?? "") : `the sub-agent's run ended ${ended.outcome}${ended.text ? `: ${ended.text}` : ""}`;
  const event = agentEvent(
    "agent-tool-call-completed",
    { callId: delegation.callId, name: subagentToolName, output, isError: ended.outcome !== "answered" },
    { idempotencyKey: `subagent-result:${delegation.requestId}:${delegation.callId}` },
  );
  await pending.send(delegation.path, event, append);
}

/**
 * The sub-agent tool, as a processor that must run over the parent and its children (`includeChildren`),
 * next to an agent that runs there too. Rules:
 * 1. A call `subagent {name, task}` on a stream appends the task to `./<name>` as `agent-input-added`
 *    (queue policy; metadata `delegatedBy: {path, callId, requestId}`). The first call to a child also
 *    passes on the parent's model and provider settings, and the tool policies and MCP servers events set
 *    on the parent.
 * 2. When the child's run for that input ends, its answer (or how it ended) is appended to the parent as
 *    the call's `agent-tool-call-completed`, with an idempotency key, so a restart that reports it again
 *    stores it once.
 * 3. On start, runs of delegated inputs that ended while it was down are reported then.
 * 4. When the parent's call is closed by someone else (the run was stopped, interrupted or timed out), the
 *    child's run is stopped with `agent-run-stop-requested` (metadata `delegatedBy`), and its end is not
 *    reported: the call closes once.
 * 5. Depth: a call that would nest deeper than `maxSubagentDepth` (set on the stream by
 *    `agent-settings-changed`, inherited by children, default 3) is refused with `agent-subagent-refused` and
 *    an error result.
 *
 * @example
 * await new PullProcessorRuntime({ path: "/me/agent", includeChildren: true, processor: createSubagentProcessor() }).run();
 */
export function createSubagentProcessor(options: { slug?: string; maxDepth?: number } = {}): Processor<SubagentState> {
  const slug = options.slug ?? "subagent";
  const announcing = new Set<string>();
  /** `parent path#callId` → the child input it appended (this process only; a stop without it stops the child's current run). */
  const childInputs = new Map<string, number>();
  const pending = createPendingAppends();
  const announce = async (path: string, state: SubagentState, append: ProcessorAppend) => {
    if (state.announced === JSON.stringify(definition) || announcing.has(path)) return;
    announcing.add(path);
    try {
      await append({ path, event: agentEvent("agent-tool-announced", definition) });
    } finally {
      announcing.delete(path);
    }
  };
  return {
    slug,
    initialState: initialSubagentState,
    concurrency: "concurrent",
    reduce: ({ event, state }) => reduceSubagent(state, event),
    async onCaughtUp({ state, append, path }) {
      await announce(path, state, append);
      for (const delegation of Object.values(state.delegations)) if (delegation.ended) await report(pending, append, delegation);
    },
    async afterAppend({ event, state, append }) {
      const path = event.streamPath;
      await pending.flush(path, append);
      if (event.type === "agent-input-added") return announce(path, state, append);
      if (event.type === "agent-run-ended") {
        const delegation = state.delegations[(event.payload as { inputOffset: number }).inputOffset];
        if (delegation?.ended) await report(pending, append, delegation);
        return;
      }
      if (event.type === "agent-tool-call-completed" && event.payload.name === subagentToolName && event.metadata?.processor !== slug) {
        const callId = String(event.payload.callId);
        const name = state.children[callId];
        if (name === undefined) return;
        const delegatedBy = { path, callId, requestId: "" };
        const inputOffset = childInputs.get(`${path}#${callId}`);
        const stop = agentEvent(
          "agent-run-stop-requested",
          { ...(inputOffset ? { inputOffset } : {}), reason: `the parent's call ${callId} was closed: ${String(event.payload.output).slice(0, 300)}` },
          { idempotencyKey: `subagent-stop:${callId}`, metadata: { delegatedBy } },
        );
        await pending.send(resolveStreamPath(path, `./${name}`), stop, append);
        return;
      }
      if (event.type !== "agent-tool-call-requested" || event.payload.name !== subagentToolName) return;
      const { callId, requestId, input } = event.payload as { callId: string; requestId: string; input: unknown };
      if (state.open[callId] === undefined) return;
      const parsed = subagentInputSchema.safeParse(input);
      if (!parsed.success) {
        const output = `error: invalid arguments for subagent: ${parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")}`;
        await append({
          path,
          event: agentEvent(
            "agent-tool-call-completed",
            { callId, name: subagentToolName, output, isError: true },
            { idempotencyKey: `tool:${requestId}:${callId}` },
          ),
        });
        return;
      }
      const maxDepth = state.maxDepth ?? options.maxDepth ?? defaultMaxSubagentDepth;
      const depth = state.depth + 1;
      if (depth > maxDepth) {
        await append({ path, event: agentEvent("agent-subagent-refused", { callId, depth, maxDepth }, { idempotencyKey: `subagent-refused:${callId}` }) });
        const output = `error: refused: a sub-agent here would be ${depth} levels deep, and sub-agents may nest ${maxDepth} deep at most (maxSubagentDepth). Do the task yourself.`;
        await append({
          path,
          event: agentEvent(
            "agent-tool-call-completed",
            { callId, name: subagentToolName, output, isError: true },
            { idempotencyKey: `tool:${requestId}:${callId}` },
          ),
        });
        return;
      }
      const child = resolveStreamPath(path, `./${parsed.data.name}`);
      if (state.firstCall[parsed.data.name] === callId) {
        // A sub-agent streams chunks too: give its stream the agent's breaker, once.
        await append({ path: child, event: { type: "circuit-breaker/configured", payload: { ...agentBreaker }, idempotencyKey: agentBreakerKey } });
        if (state.config.model) await append({ path: child, event: agentEvent("agent-model-changed", { model: state.config.model }) });
        if (state.config.baseUrl || state.config.api)
          await append({ path: child, event: agentEvent("agent-provider-changed", { baseUrl: state.config.baseUrl, api: state.config.api }) });
        // A sub-agent asks before the same tools as its parent: delegating is no way around a policy.
        if (state.config.toolPolicy) await append({ path: child, event: agentEvent("agent-tool-policy-changed", state.config.toolPolicy) });
        // And it gets the MCP servers an event configured here (the child's MCP processor checks them
        // against the operator's allow-list again, so this picks nothing the event could not pick itself).
        if (state.config.mcpServers) await append({ path: child, event: agentEvent("agent-mcp-servers-configured", { servers: state.config.mcpServers }) });
      }
      const delegatedBy: DelegatedBy = { path, callId, requestId, depth, maxDepth };
      const stored = await append({
        path: child,
        event: agentEvent(
          "agent-input-added",
          { content: parsed.data.task, policy: "queue" },
          { idempotencyKey: `subagent:${requestId}:${callId}`, metadata: { delegatedBy } },
        ),
      });
      childInputs.set(`${path}#${callId}`, stored.offset);
    },
  };
}

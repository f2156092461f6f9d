import type { StoredEvent } from "@tributary/protocol";
import { parseAgentPayload, type AgentEventName, type AgentPayload } from "./agent-event-types.ts";
import { requestIdOf, type AgentStreamState, type PendingCall, type RunState } from "./agent-state.ts";
import { isContextLengthError } from "./llm/context-length.ts";
import { addUsage, emptyTotals, requestCost } from "./usage-totals.ts";
import { afterToolResults, joinSteeringInputs, keepPartialOutput, startNextRun } from "./run-transitions.ts";

type P<T extends AgentEventName> = AgentPayload<T>;

const inFlight = (run: RunState | undefined, requestId: string) =>
  run !== undefined && run.requestId === requestId && ["starting", "compacting", "window", "requesting"].includes(run.phase);

/**
 * The agent's `reduce`: folds one event into the agent's state on its stream. Pure and total: unknown types and invalid payloads
 * leave the state as it is (the agent reports invalid payloads as `stream/error-occurred`), and late or
 * duplicate events (a second result for a call, the end of a request that was cancelled) are ignored: the
 * first terminal event for a request or a tool call wins.
 *
 * @example
 * const state = events.reduce(reduceAgent, initialAgentState(defaultAgentConfig));
 */
export function reduceAgent(state: AgentStreamState, event: StoredEvent): AgentStreamState {
  return { ...reduceAgentEvent(state, event), lastOffset: event.offset };
}

/**
 * An approval step for one call. The first answer counts: an approval only for a call waiting for one, a
 * denial for any call not dispatched yet (the `deny` policy denies without asking).
 */
function answerApproval(call: PendingCall, event: StoredEvent, payload: { callId: string; reason?: string; timeoutMs?: number }): PendingCall {
  const type = event.type;
  if (call.callId !== payload.callId || call.dispatched || call.approval === "approved" || call.approval === "denied") return call;
  if (type === "agent-tool-call-approval-requested") {
    return call.approval === undefined
      ? { ...call, approval: "pending", approvalWait: { deadline: Date.parse(event.createdAt) + (payload.timeoutMs ?? 0), timeoutMs: payload.timeoutMs ?? 0 } }
      : call;
  }
  if (type === "agent-tool-call-approved") return call.approval === "pending" ? { ...call, approval: "approved" } : call;
  return { ...call, approval: "denied", denial: payload.reason ?? "denied" };
}

function reduceAgentEvent(state: AgentStreamState, event: StoredEvent): AgentStreamState {
  const parsed = parseAgentPayload(event.type, event.payload);
  if (!parsed || !parsed.ok) return state;
  const payload = parsed.payload as never;
  const run = state.run;
  switch (event.type) {
    case "agent-model-changed":
      return { ...state, config: { ...state.config, model: (payload as P<"agent-model-changed">).model } };
    case "agent-system-prompt-changed":
      return { ...state, config: { ...state.config, systemPrompt: (payload as P<"agent-system-prompt-changed">).systemPrompt } };
    case "agent-provider-changed":
      return { ...state, config: { ...state.config, ...(payload as P<"agent-provider-changed">) } };
    case "agent-prices-configured":
      return { ...state, prices: payload as P<"agent-prices-configured"> };
    case "agent-settings-changed":
      return { ...state, config: { ...state.config, ...(payload as P<"agent-settings-changed">) } };
    case "agent-tool-policy-changed": {
      const change = payload as P<"agent-tool-policy-changed">;
      const toolPolicies = { ...state.config.toolPolicies };
      for (const [name, policy] of Object.entries(change.tools ?? {})) {
        if (policy === null) delete toolPolicies[name];
        else toolPolicies[name] = policy;
      }
      return { ...state, config: { ...state.config, toolPolicies, defaultToolPolicy: change.default ?? state.config.defaultToolPolicy } };
    }
    case "agent-tool-call-approval-requested":
    case "agent-tool-call-approved":
    case "agent-tool-call-denied":
      return run ? { ...state, run: { ...run, pendingCalls: run.pendingCalls.map((call) => answerApproval(call, event, payload)) } } : state;
    case "agent-lease-acquired": {
      const lease = payload as P<"agent-lease-acquired">;
      return state.lease && state.lease.epoch >= lease.epoch ? state : { ...state, lease: { holder: lease.holder, epoch: lease.epoch } };
    }
    case "agent-tool-announced": {
      const tool = payload as P<"agent-tool-announced">;
      return { ...state, tools: { ...state.tools, [tool.name]: tool } };
    }
    case "agent-tool-withdrawn": {
      const { [(payload as P<"agent-tool-withdrawn">).name]: _gone, ...tools } = state.tools;
      return { ...state, tools };
    }
    case "agent-input-added": {
      const input = payload as P<"agent-input-added">;
      const policy = input.policy ?? state.config.interruptPolicy;
      const queued = { offset: event.offset, role: input.role ?? "user", text: input.content, policy, noticed: false };
      const interrupts = run !== undefined && policy === "interrupt" && run.interruptedBy === undefined;
      return startNextRun({ ...state, queue: [...state.queue, queued], run: interrupts ? { ...run, interruptedBy: event.offset } : run }, event.offset);
    }
    case "agent-input-queued":
    case "agent-input-steered": {
      const { inputOffset } = payload as P<"agent-input-queued">;
      return { ...state, queue: state.queue.map((q) => (q.offset === inputOffset ? { ...q, noticed: true } : q)) };
    }
    case "agent-run-stop-requested": {
      const stop = payload as P<"agent-run-stop-requested">;
      const reason = stop.reason ?? `stopped by the request at offset ${event.offset}`;
      if (run && (stop.inputOffset === undefined || stop.inputOffset === run.inputOffset)) {
        return run.stoppedBy ? state : { ...state, run: { ...run, stoppedBy: { offset: event.offset, reason } } };
      }
      // A stop for an input that waits in the queue: it never runs.
      return { ...state, queue: state.queue.filter((q) => q.offset !== stop.inputOffset) };
    }
    case "agent-context-added": {
      const context = payload as P<"agent-context-added">;
      return {
        ...state,
        pendingContext: [
          ...state.pendingContext,
          { kind: "context", offset: event.offset, sourceOffset: event.offset, text: context.content, source: context.source },
        ],
      };
    }
    case "agent-compaction-started": {
      const { requestId } = payload as P<"agent-compaction-started">;
      if (!run || run.requestId !== requestId || run.phase !== "starting") return state;
      const { throughOffset } = payload as P<"agent-compaction-started">;
      return { ...state, run: { ...run, phase: "compacting", compactedRequestId: run.requestId, compactThroughOffset: throughOffset } };
    }
    case "agent-history-compacted": {
      const compacted = payload as P<"agent-history-compacted">;
      // The inputs of the run in flight stay verbatim (a compaction inside a run summarizes its earlier turns, not its task).
      const kept = state.history.filter((e) => e.offset > compacted.throughOffset || (run !== undefined && e.kind === "input" && e.offset >= run.startOffset));
      const history = [{ kind: "summary" as const, offset: compacted.throughOffset, text: compacted.summary }, ...kept];
      const resumed = run && run.phase === "compacting" ? { ...run, phase: "starting" as const } : run;
      return { ...state, history, run: resumed, usage: undefined };
    }
    case "agent-compaction-failed": {
      if (!run || run.phase !== "compacting" || run.requestId !== (payload as P<"agent-compaction-failed">).requestId) return state;
      return { ...state, run: { ...run, phase: "starting" } };
    }
    case "agent-context-window-opened": {
      if (!run || run.phase !== "starting" || run.requestId !== (payload as P<"agent-context-window-opened">).requestId) return state;
      return { ...state, run: { ...run, phase: "window" } };
    }
    case "agent-request-started": {
      const { requestId, tools } = payload as P<"agent-request-started">;
      if (!run || run.requestId !== requestId || (run.phase !== "window" && run.phase !== "starting")) return state;
      const context = state.pendingContext.map((entry) => ({ ...entry, offset: event.offset }));
      const { model } = payload as P<"agent-request-started">;
      return {
        ...state,
        history: [...state.history, ...context],
        pendingContext: [],
        run: { ...run, phase: "requesting", partialText: "", requests: run.requests + 1, tools, model },
      };
    }
    case "agent-output-chunk-received": {
      const chunk = payload as P<"agent-output-chunk-received">;
      if (!run || run.requestId !== chunk.requestId || run.phase !== "requesting" || !chunk.text) return state;
      return { ...state, run: { ...run, partialText: run.partialText + chunk.text } };
    }
    case "agent-output-completed": {
      const output = payload as P<"agent-output-completed">;
      if (!run || run.requestId !== output.requestId || run.phase !== "requesting") return state;
      const history = [...state.history, { kind: "assistant" as const, offset: event.offset, text: output.text, toolCalls: output.toolCalls }];
      const next: RunState =
        output.toolCalls.length > 0
          ? { ...run, phase: "tools", pendingCalls: output.toolCalls.map((call) => ({ ...call, dispatched: false })) }
          : { ...run, phase: "ending", outcome: "answered", finalText: output.text };
      if (!output.usage) return { ...state, history, run: next };
      const usage = { tokens: output.usage.inputTokens + output.usage.outputTokens, offset: event.offset };
      const cost = requestCost(state.prices, run.model, output.usage);
      const currency = state.prices ? (state.prices.currency ?? "USD") : undefined;
      const totals = addUsage(state.totals, output.usage, cost, currency);
      return { ...state, history, run: { ...next, totals: addUsage(run.totals ?? emptyTotals, output.usage, cost, currency) }, usage, totals };
    }
    case "agent-request-failed": {
      const failed = payload as P<"agent-request-failed">;
      if (!inFlight(run, failed.requestId)) return state;
      const history = keepPartialOutput(state, event.offset);
      if (isContextLengthError(failed) && run!.overflowTurn !== run!.turn) {
        // The provider refused the request as too long: compact (whatever the estimate says) and try the turn once more.
        return {
          ...state,
          history,
          run: { ...run!, phase: "starting", overflowTurn: run!.turn, requestId: requestIdOf(run!.inputOffset, run!.turn, true), partialText: "" },
        };
      }
      return { ...state, history, run: { ...run!, phase: "ending", outcome: "failed", finalText: failed.message } };
    }
    case "agent-request-cancelled": {
      const cancelled = payload as P<"agent-request-cancelled">;
      if (!inFlight(run, cancelled.requestId)) return state;
      return {
        ...state,
        history: keepPartialOutput(state, event.offset),
        run: {
          ...run!,
          phase: "ending",
          outcome: run!.stoppedBy ? "stopped" : cancelled.byOffset === undefined ? "interrupted" : "cancelled",
          finalText: cancelled.reason,
        },
      };
    }
    case "agent-tool-call-started": {
      const { callId } = payload as P<"agent-tool-call-started">;
      if (!run || !run.pendingCalls.some((call) => call.callId === callId)) return state;
      return { ...state, run: { ...run, pendingCalls: run.pendingCalls.map((call) => (call.callId === callId ? { ...call, acknowledged: true } : call)) } };
    }
    case "agent-tool-call-requested": {
      const { callId } = payload as P<"agent-tool-call-requested">;
      if (!run || !run.pendingCalls.some((call) => call.callId === callId)) return state;
      return { ...state, run: { ...run, pendingCalls: run.pendingCalls.map((call) => (call.callId === callId ? { ...call, dispatched: true } : call)) } };
    }
    case "agent-tool-call-completed": {
      const result = payload as P<"agent-tool-call-completed">;
      if (!run || run.phase !== "tools" || !run.pendingCalls.some((call) => call.callId === result.callId)) return state;
      const entry = {
        kind: "tool-result" as const,
        offset: event.offset,
        callId: result.callId,
        name: result.name,
        output: result.output,
        isError: result.isError ?? false,
      };
      const pendingCalls = run.pendingCalls.filter((call) => call.callId !== result.callId);
      const next = afterToolResults({ ...run, pendingCalls }, state.config.maxTurns);
      const reduced = { ...state, history: [...state.history, entry], run: next };
      // A turn boundary: inputs that steer this run join its history now.
      return next.turn > run.turn ? joinSteeringInputs(reduced, event.offset) : reduced;
    }
    case "agent-run-ended": {
      const ended = payload as P<"agent-run-ended">;
      if (!run || run.inputOffset !== ended.inputOffset) return state;
      // Calls still open here would leave the model a call without a result; close them in the history.
      const orphans = run.pendingCalls.map((call) => ({
        kind: "tool-result" as const,
        offset: event.offset,
        callId: call.callId,
        name: call.name,
        output: "the run ended before this tool answered",
        isError: true,
      }));
      return startNextRun({ ...state, history: [...state.history, ...orphans], run: undefined }, event.offset);
    }
    default:
      return state;
  }
}

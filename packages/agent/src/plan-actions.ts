import { toolPolicyOf, type AgentStreamState, type PendingCall } from "./agent-state.ts";
import { compactionPlan } from "./compaction.ts";
import type { RunOutcome, UsageTotals } from "./events.ts";

/**
 * What the agent should do next on a stream, derived from its state alone. Each action has a `key`; the
 * agent runs an action once per key (and uses the key as the append's idempotency key), so planning after
 * every event is safe.
 */
export type AgentAction =
  | { kind: "notice-queued"; key: string; inputOffset: number; behindInputOffset: number }
  | { kind: "notice-steered"; key: string; inputOffset: number; runInputOffset: number }
  | { kind: "start-compaction"; key: string; requestId: string; throughOffset: number; estimatedTokens: number; reason: "budget" | "context-length" }
  | { kind: "summarize"; key: string; requestId: string }
  | { kind: "open-window"; key: string; requestId: string; inputOffset: number; turn: number }
  | { kind: "start-request"; key: string; requestId: string; windowMs: number }
  | { kind: "call-model"; key: string; requestId: string }
  | { kind: "dispatch-call"; key: string; requestId: string; call: PendingCall; known: boolean; timeoutMs: number; ackTimeoutMs?: number }
  | { kind: "cancel-request"; key: string; requestId: string; reason: string; byOffset?: number }
  | { kind: "close-call"; key: string; call: PendingCall; output: string }
  | { kind: "request-approval"; key: string; requestId: string; call: PendingCall; timeoutMs: number }
  | { kind: "watch-approval"; key: string; call: PendingCall; deadline: number; timeoutMs: number }
  | { kind: "await-tool"; key: string; requestId: string; call: PendingCall; timeoutMs: number }
  | { kind: "deny-call"; key: string; call: PendingCall; reason: string }
  | {
      kind: "end-run";
      key: string;
      inputOffset: number;
      outcome: RunOutcome;
      text?: string;
      turns: number;
      byOffset?: number;
      usage?: UsageTotals;
      streamUsage?: UsageTotals;
    };

export interface PlanOptions {
  /**
   * The run was in flight (waiting on a request, a window, a compaction or tool calls) when this agent
   * started: what it waited for died with the last process, so the run is closed, never resumed.
   */
  dead?: boolean;
  /** Why the run is dead, for the closing events (default: the agent restarted). */
  deadReason?: string;
}

const inFlightPhases = new Set(["compacting", "window", "requesting"]);

/**
 * Plans the agent's next actions on one stream. Rules:
 * 1. A queued input (queue policy) is acknowledged with `agent-input-queued`, a steering one with `agent-input-steered`.
 * 2. A run that is interrupted (a newer input, interrupt policy), stopped (`agent-run-stop-requested`) or dead (in flight at a restart) is closed
 *    explicitly: its request is cancelled, its open tool calls get an error result, then the run ends.
 * 3. Otherwise the run advances: compact if over budget or after a context-length refusal (once per request), open the context window, start the
 *    request after the window, call the model, dispatch tool calls (after approval under the `ask` policy; never under `deny`), end the run.
 */
export function planActions(state: AgentStreamState, options: PlanOptions = {}): AgentAction[] {
  const run = state.run;
  if (!run) return [];
  const actions: AgentAction[] = state.queue
    .filter((input) => input.policy !== "interrupt" && !input.noticed)
    .map((input) =>
      input.policy === "steer"
        ? { kind: "notice-steered", key: `steered:${input.offset}`, inputOffset: input.offset, runInputOffset: run.inputOffset }
        : { kind: "notice-queued", key: `queued:${input.offset}`, inputOffset: input.offset, behindInputOffset: run.inputOffset },
    );
  const end = (outcome: RunOutcome, text?: string, byOffset?: number): AgentAction => ({
    kind: "end-run",
    key: `end:${run.inputOffset}`,
    inputOffset: run.inputOffset,
    outcome,
    text,
    turns: run.requests,
    byOffset,
    usage: run.totals,
    streamUsage: state.totals.requests > 0 ? state.totals : undefined,
  });

  const dead = options.dead === true;
  if (dead || run.interruptedBy !== undefined || run.stoppedBy !== undefined) {
    const reason = dead
      ? (options.deadReason ?? "the agent restarted while this was in flight")
      : run.stoppedBy
        ? `stopped: ${run.stoppedBy.reason}`
        : `interrupted by the input at offset ${run.interruptedBy}`;
    const byOffset = dead || run.stoppedBy ? undefined : run.interruptedBy;
    if (inFlightPhases.has(run.phase))
      return [...actions, { kind: "cancel-request", key: `cancel:${run.requestId}`, requestId: run.requestId, reason, byOffset }];
    if (run.pendingCalls.length > 0) {
      return [
        ...actions,
        ...run.pendingCalls.map((call): AgentAction => ({ kind: "close-call", key: `close:${call.callId}`, call, output: `cancelled: ${reason}` })),
      ];
    }
    // A run that had already settled (answered, failed, stopped) before the interruption took effect keeps its outcome.
    if (run.phase === "ending" && run.outcome !== undefined) return [...actions, end(run.outcome, run.finalText, byOffset)];
    return [...actions, end(dead ? "interrupted" : run.stoppedBy ? "stopped" : "cancelled", reason, byOffset)];
  }

  switch (run.phase) {
    case "starting": {
      const overflowed = run.overflowTurn === run.turn;
      const compaction = run.compactedRequestId === run.requestId ? undefined : compactionPlan(state, overflowed);
      if (compaction) {
        const reason = overflowed ? "context-length" : "budget";
        return [
          ...actions,
          {
            kind: "start-compaction",
            key: `compact:${run.requestId}`,
            requestId: run.requestId,
            throughOffset: compaction.throughOffset,
            estimatedTokens: compaction.estimatedTokens,
            reason,
          },
        ];
      }
      return [...actions, { kind: "open-window", key: `window:${run.requestId}`, requestId: run.requestId, inputOffset: run.inputOffset, turn: run.turn }];
    }
    case "compacting":
      return [...actions, { kind: "summarize", key: `summarize:${run.requestId}`, requestId: run.requestId }];
    case "window":
      return [...actions, { kind: "start-request", key: `start:${run.requestId}`, requestId: run.requestId, windowMs: state.config.contextWindowMs }];
    case "requesting":
      return [...actions, { kind: "call-model", key: `call:${run.requestId}`, requestId: run.requestId }];
    case "tools":
      return [...actions, ...run.pendingCalls.flatMap((call) => planCall(state, run.requestId, call))];
    case "ending":
      return [...actions, end(run.outcome ?? "answered", run.finalText, run.interruptedBy)];
  }
}

/**
 * A call of the turn: dispatched when its policy allows it (or it was approved), announced for approval
 * under `ask`, denied under `deny`; a denied call is closed with an error result that gives the reason.
 * An unknown tool is dispatched (and answered with an error) whatever the policy says, but for an approved
 * call, which waits up to `toolAckTimeoutMs` for its tool to be announced (again) first.
 */
function planCall(state: AgentStreamState, requestId: string, call: PendingCall): AgentAction[] {
  if (call.dispatched) return [];
  if (call.approval === "denied") {
    return [
      {
        kind: "close-call",
        key: `denied:${call.callId}`,
        call,
        output: `error: this ${call.name} call was denied and did not run: ${call.denial ?? "denied"}`,
      },
    ];
  }
  const tool = state.tools[call.name];
  // An asked call waits for its answer whatever happens to its tool meanwhile (a restarted tool process
  // withdraws and announces it again); its deadline is the request's (createdAt plus its timeout).
  if (call.approval === "pending")
    return call.approvalWait ? [{ kind: "watch-approval", key: `watch-approval:${call.callId}`, call, ...call.approvalWait }] : [];
  // Approved while its tool is not announced (yet: after a restart the tools come back a moment later).
  if (call.approval === "approved" && tool === undefined) {
    return [{ kind: "await-tool", key: `await-tool:${call.callId}`, requestId, call, timeoutMs: state.config.toolAckTimeoutMs }];
  }
  const policy = tool === undefined || call.approval === "approved" ? "allow" : toolPolicyOf(state.config, call.name);
  if (policy === "deny") return [{ kind: "deny-call", key: `policy-deny:${call.callId}`, call, reason: `the policy for ${call.name} is deny` }];
  if (policy === "ask") return [{ kind: "request-approval", key: `approval:${call.callId}`, requestId, call, timeoutMs: state.config.approvalTimeoutMs }];
  return [
    {
      kind: "dispatch-call",
      key: `dispatch:${call.callId}`,
      requestId,
      call,
      known: tool !== undefined,
      timeoutMs: tool?.timeoutMs ?? state.config.toolTimeoutMs,
      ...(tool?.acknowledges ? { ackTimeoutMs: state.config.toolAckTimeoutMs } : {}),
    },
  ];
}

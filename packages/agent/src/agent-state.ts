import type { Api, InterruptPolicy, PriceTable, RunOutcome, ToolCall, ToolDefinition, ToolPolicy, UsageTotals } from "./events.ts";
import { emptyTotals } from "./usage-totals.ts";

/** The agent's settings, all set by events (a one-line reducer each) on top of the defaults it starts with. */
export interface AgentConfig {
  model: string;
  systemPrompt: string;
  baseUrl?: string;
  api: Api;
  contextWindowMs: number;
  maxTurns: number;
  interruptPolicy: InterruptPolicy;
  compactionBudgetTokens: number;
  compactionKeepInputs: number;
  temperature?: number;
  toolTimeoutMs: number;
  toolAckTimeoutMs: number;
  connectTimeoutMs: number;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  maxSubagentDepth: number;
  /** The policy of a tool without its own: allow, ask or deny. */
  defaultToolPolicy: ToolPolicy;
  /** Per tool name. */
  toolPolicies: Record<string, ToolPolicy>;
  /** How long an `ask` call waits for an answer before the agent denies it. */
  approvalTimeoutMs: number;
}

export const defaultAgentConfig: AgentConfig = {
  model: "gpt-4o-mini",
  systemPrompt: "You are a helpful assistant.",
  api: "chat",
  contextWindowMs: 200,
  maxTurns: 20,
  interruptPolicy: "interrupt",
  compactionBudgetTokens: 100_000,
  compactionKeepInputs: 1,
  toolTimeoutMs: 300_000,
  toolAckTimeoutMs: 10_000,
  connectTimeoutMs: 30_000,
  firstTokenTimeoutMs: 120_000,
  idleTimeoutMs: 60_000,
  maxRetries: 2,
  retryDelayMs: 1_000,
  maxSubagentDepth: 3,
  defaultToolPolicy: "allow",
  toolPolicies: {},
  approvalTimeoutMs: 600_000,
};

/** The policy that applies to a tool: its own, else the default. */
export const toolPolicyOf = (config: AgentConfig, name: string): ToolPolicy => config.toolPolicies[name] ?? config.defaultToolPolicy;

/**
 * What the model sees, in order. `offset` is the offset of the event whose reduction put the entry there, so
 * offsets never decrease along the history (a queued input joins when its run starts, context when a request
 * starts); compaction cuts by offset.
 */
export type HistoryEntry =
  | { kind: "input"; offset: number; inputOffset: number; role: "user" | "system" | "developer"; text: string }
  | { kind: "assistant"; offset: number; text: string; toolCalls: ToolCall[]; interrupted?: boolean }
  | { kind: "tool-result"; offset: number; callId: string; name: string; output: string; isError: boolean }
  | { kind: "context"; offset: number; sourceOffset: number; text: string; source?: string }
  | { kind: "summary"; offset: number; text: string };

export interface QueuedInput {
  offset: number;
  role: "user" | "system" | "developer";
  text: string;
  policy: InterruptPolicy;
  noticed: boolean;
}

export interface PendingCall extends ToolCall {
  dispatched: boolean;
  /** Its tool's process acknowledged it (`agent-tool-call-started`). */
  acknowledged?: boolean;
  /** Under the `ask` policy (or denied by `deny`): waiting for an answer, or answered. */
  approval?: "pending" | "approved" | "denied";
  /** Why it was denied: the model reads it in the call's result. */
  denial?: string;
  /**
   * While it waits: when it is denied for want of an answer (ms since the epoch, its approval request's
   * `createdAt` plus its `timeoutMs`), so a restarted agent keeps the same deadline.
   */
  approvalWait?: { deadline: number; timeoutMs: number };
}

/**
 * A run: the handling of one input, one or more turns (model requests) long. Phases, in order:
 * starting → (compacting → starting) → window → requesting → tools → starting (next turn) … → ending.
 * A request the provider refused as too long goes back to starting once (compacting first), as `<input>.<turn>.retry`.
 */
export interface RunState {
  inputOffset: number;
  /** The offset of the event that started the run (its inputs joined the history there). */
  startOffset: number;
  turn: number;
  /** The model of the request in flight (its `agent-request-started`), for its cost. */
  model?: string;
  /** This run's usage, summed over its requests: what `agent-run-ended.usage` reports. */
  totals?: UsageTotals;
  /** Model requests started for this run (`agent-request-started` events): what `agent-run-ended.turns` reports. */
  requests: number;
  /** The tools the current request offers (as its `agent-request-started` says). */
  tools?: string[];
  /** Set by `agent-run-stop-requested`: the offset of the stop and its reason. */
  stoppedBy?: { offset: number; reason: string };
  /** The turn whose request the provider refused as too long; its retry (after compaction) is tried once. */
  overflowTurn?: number;
  requestId: string;
  phase: "starting" | "compacting" | "window" | "requesting" | "tools" | "ending";
  partialText: string;
  pendingCalls: PendingCall[];
  outcome?: RunOutcome;
  finalText?: string;
  /** The input that interrupts this run (interrupt policy). */
  interruptedBy?: number;
  /** The request before which compaction was last tried, so it is tried once per request. */
  compactedRequestId?: string;
  /** While compacting: the history up to this offset is being summarized. */
  compactThroughOffset?: number;
}

/** The agent's state on one stream (a runtime keeps one per stream). */
export interface AgentStreamState {
  config: AgentConfig;
  tools: Record<string, ToolDefinition>;
  history: HistoryEntry[];
  /** Context added since the last request started; it joins the history when the next request starts. */
  pendingContext: Extract<HistoryEntry, { kind: "context" }>[];
  run?: RunState;
  queue: QueuedInput[];
  /** The offset of the last event reduced (any type). */
  lastOffset: number;
  /** The newest `agent-lease-acquired` on the stream: the agent process that answers here. */
  lease?: { holder: string; epoch: number };
  /** The provider's token count of the last answered request (`usage`), and the offset of that answer. */
  usage?: { tokens: number; offset: number };
  /** Every answered request's usage on this stream, summed (and costed by `prices` when it had a price). */
  totals: UsageTotals;
  /** The price table (`agent-prices-configured`). */
  prices?: PriceTable;
}

/** `<input offset>.<turn>`, and `.retry` for the one retry of a turn after the provider refused it as too long. */
export const requestIdOf = (inputOffset: number, turn: number, retry = false): string => `${inputOffset}.${turn}${retry ? ".retry" : ""}`;

export function initialAgentState(config: AgentConfig = defaultAgentConfig): AgentStreamState {
  return { config, tools: {}, history: [], pendingContext: [], queue: [], lastOffset: 0, totals: emptyTotals };
}

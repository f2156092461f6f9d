import type { Api, InterruptPolicy, RunOutcome, ToolCall, ToolDefinition } from "./events.ts";

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
};

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
}

/**
 * A run: the handling of one input, one or more turns (model requests) long. Phases, in order:
 * starting → (compacting → starting) → window → requesting → tools → starting (next turn) … → ending.
 */
export interface RunState {
  inputOffset: number;
  turn: number;
  requestId: string;
  phase: "starting" | "compacting" | "window" | "requesting" | "tools" | "ending";
  partialText: string;
  pendingCalls: PendingCall[];
  outcome?: RunOutcome;
  finalText?: string;
  /** The input that interrupts this run (interrupt policy). */
  interruptedBy?: number;
  /** The turn at which compaction was last tried, so it is tried once per turn. */
  compactedTurn?: number;
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
}

export const requestIdOf = (inputOffset: number, turn: number): string => `${inputOffset}.${turn}`;

export function initialAgentState(config: AgentConfig = defaultAgentConfig): AgentStreamState {
  return { config, tools: {}, history: [], pendingContext: [], queue: [], lastOffset: 0 };
}

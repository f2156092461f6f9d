import { requestIdOf, type AgentStreamState, type HistoryEntry, type QueuedInput, type RunState } from "./agent-state.ts";

const newRun = (inputOffset: number, startOffset: number): RunState => ({
  inputOffset,
  startOffset,
  turn: 1,
  requests: 0,
  requestId: requestIdOf(inputOffset, 1),
  phase: "starting",
  partialText: "",
  pendingCalls: [],
});

const inputEntry = (input: QueuedInput, offset: number): HistoryEntry => ({
  kind: "input",
  offset,
  inputOffset: input.offset,
  role: input.role,
  text: input.text,
});

/**
 * Starts the next run from the queue, if any. Queued inputs under the queue policy run one at a time; when an
 * interrupting input is queued, it and every input before it join the history together and one run answers
 * them all (the agent catches up, then decides).
 */
export function startNextRun(state: AgentStreamState, offset: number): AgentStreamState {
  if (state.run || state.queue.length === 0) return state;
  const lastInterrupt = state.queue.findLastIndex((input) => input.policy === "interrupt");
  const take = lastInterrupt >= 0 ? lastInterrupt + 1 : 1;
  const taken = state.queue.slice(0, take);
  const runFor = taken.at(-1)!;
  return {
    ...state,
    history: [...state.history, ...taken.map((input) => inputEntry(input, offset))],
    queue: state.queue.slice(take),
    run: newRun(runFor.offset, offset),
  };
}

/** The run's next step once every tool call of the turn has a result: another turn, or the end. */
export function afterToolResults(run: RunState, maxTurns: number): RunState {
  if (run.pendingCalls.length > 0) return run;
  if (run.stoppedBy !== undefined) return { ...run, phase: "ending", outcome: "stopped", finalText: run.stoppedBy.reason };
  if (run.interruptedBy !== undefined) return { ...run, phase: "ending", outcome: "cancelled" };
  if (run.turn >= maxTurns) return { ...run, phase: "ending", outcome: "turn-limit", finalText: `stopped after ${run.turn} turns (the limit)` };
  const turn = run.turn + 1;
  return { ...run, turn, requestId: requestIdOf(run.inputOffset, turn), phase: "starting", partialText: "" };
}

/**
 * At a turn boundary of the run in flight (every tool result of the turn is in, the next request has not
 * started), the inputs that steer it leave the queue and join its history, so its next request reads them.
 */
export function joinSteeringInputs(state: AgentStreamState, offset: number): AgentStreamState {
  const steering = state.queue.filter((input) => input.policy === "steer");
  if (steering.length === 0) return state;
  return {
    ...state,
    history: [...state.history, ...steering.map((input) => inputEntry(input, offset))],
    queue: state.queue.filter((input) => input.policy !== "steer"),
  };
}

/** Keeps what the model said before a request was cut short, so the next request knows. */
export function keepPartialOutput(state: AgentStreamState, offset: number): HistoryEntry[] {
  const text = state.run?.partialText ?? "";
  if (text === "") return state.history;
  return [...state.history, { kind: "assistant", offset, text, toolCalls: [], interrupted: true }];
}

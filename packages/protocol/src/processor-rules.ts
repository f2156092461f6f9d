import type { StoredEvent } from "./event.ts";

/**
 * Reduces one event the way every runtime must (the SDK's and the server's built-in host): `reduce`
 * returning `undefined` keeps the state, and a `reduce` that throws (a bug: reduce must be total) keeps
 * the old state too, after `onThrow` was told, so one bad event never stops a stream.
 *
 * @example
 * state = guardedReduce(processor.reduce, state, event, (error) => logger.error("reduce threw", { error: String(error) }));
 */
export function guardedReduce<State>(
  reduce: ((context: { event: StoredEvent; state: State }) => State | undefined) | undefined,
  state: State,
  event: StoredEvent,
  onThrow: (error: unknown) => void,
): State {
  if (!reduce) return state;
  try {
    const next = reduce({ event, state });
    return next === undefined ? state : next;
  } catch (error) {
    onThrow(error);
    return state;
  }
}

/**
 * The payload of the `stream/error-occurred` event a runtime appends when a processor's side effect
 * fails, or `undefined` when it must only be logged: a failure while handling the processor's own error
 * event would report itself forever.
 *
 * @example
 * const payload = failureReport("ping-pong", error, event);
 * if (payload) await append({ type: "stream/error-occurred", payload });
 */
export function failureReport(
  processor: string,
  error: unknown,
  event: StoredEvent | undefined,
): { message: string; processor: string; offset?: number } | undefined {
  if (event?.type === "stream/error-occurred" && event.payload.processor === processor) return undefined;
  const report: { message: string; processor: string; offset?: number } = { message: errorMessage(error), processor };
  if (event) report.offset = event.offset;
  return report;
}

/** An error's message, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

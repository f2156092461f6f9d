import type { EventInput, StoredEvent } from "./event.ts";
import { assertKnownOptions } from "./known-options.ts";

/** What a processor's `append` takes: an event, and a path (absolute, or relative to the processor's stream). */
export interface ProcessorAppendInput {
  event: EventInput;
  /** `/abs/path`, `.`, `./child` or `../sibling`; defaults to the stream of the event being handled. */
  path?: string;
}

export type ProcessorAppend = (input: ProcessorAppendInput) => Promise<StoredEvent>;

export interface ProcessorLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ReduceContext<State> {
  event: StoredEvent;
  state: State;
}

export interface AfterAppendContext<State> {
  /** The event that was just appended. */
  event: StoredEvent;
  /** The state after reducing `event`. */
  state: State;
  append: ProcessorAppend;
  logger: ProcessorLogger;
  /** Aborted when a newer event interrupts this side effect, or the runtime stops. */
  signal: AbortSignal;
}

export interface CaughtUpContext<State> {
  state: State;
  append: ProcessorAppend;
  logger: ProcessorLogger;
  /** The stream this runtime caught up on. */
  path: string;
}

export interface StopContext<State> {
  /** The state after the last event reduced. */
  state: State;
  append: ProcessorAppend;
  logger: ProcessorLogger;
  /** The stream being stopped on. */
  path: string;
}

export interface InterruptContext<State> {
  /** The event that just arrived. */
  event: StoredEvent;
  /** The state after reducing it. */
  state: State;
  /** The events whose `afterAppend` calls are still running on this stream. */
  running: StoredEvent[];
}

/**
 * How the `afterAppend` calls of one stream relate:
 * - `sequential` (default): one at a time, in offset order;
 * - `concurrent`: each starts as soon as its event arrives;
 * - `latest-wins`: one at a time, but only the newest waiting event runs next (older waiting ones are
 *   skipped), and a new event interrupts the running call unless `interrupts` says otherwise.
 */
export type SideEffectConcurrency = "sequential" | "concurrent" | "latest-wins";

/**
 * A stream processor: `initialState`, a pure `reduce`, and `afterAppend` for side effects.
 *
 * Rules written on the type:
 * 1. `reduce` is pure and total: it ignores event types it does not know and never throws. Returning
 *    `undefined` means "state unchanged".
 * 2. On start, a runtime reduces the stream's history without side effects, then calls `onCaughtUp` once.
 * 3. Afterwards, every new event is reduced, then `afterAppend` runs with the new state.
 * 4. When the runtime is stopped (`stop()`, or SIGTERM / SIGINT under `tributary run`), `onStop` runs once
 *    per stream after the running side effects returned: the place to say on the stream that this process
 *    is going away (a tool withdrawing itself). A killed process runs nothing, so nobody may rely on it.
 */
export interface Processor<State = unknown> {
  slug: string;
  initialState: State;
  reduce?: (context: ReduceContext<State>) => State | undefined;
  afterAppend?: (context: AfterAppendContext<State>) => Promise<void> | void;
  onCaughtUp?: (context: CaughtUpContext<State>) => Promise<void> | void;
  /** Runs once per stream when the runtime stops cleanly (rule 4); its appends are the processor's last. */
  onStop?: (context: StopContext<State>) => Promise<void> | void;
  /** How this processor's `afterAppend` calls on one stream relate; `sequential` by default. */
  concurrency?: SideEffectConcurrency;
  /**
   * Whether a new event interrupts the `afterAppend` calls still running on its stream (their `signal`
   * aborts). Default: never, except under `latest-wins`, where every event this processor did not append
   * itself interrupts.
   */
  interrupts?: (context: InterruptContext<State>) => boolean;
}

/** What `defineProcessor` takes: a processor whose `initialState` may be left out (it is then `undefined`). */
export type ProcessorDefinition<State> = Omit<Processor<State>, "initialState"> & { initialState?: State };

const processorKeys = ["slug", "initialState", "reduce", "afterAppend", "onCaughtUp", "onStop", "concurrency", "interrupts"] as const;

/**
 * Defines a processor. The factory runs once, here: a place to create clients and abort controllers that
 * the processor's functions close over. A processor object may be passed instead of a factory. Neither
 * `initialState` nor `reduce` is required (a processor with only `afterAppend` has state `undefined`); an
 * unknown key (a misspelt `afterApend`) is a TypeError instead of a side effect that never runs.
 *
 * @example
 * export const counter = defineProcessor(() => ({
 *   slug: "counter",
 *   initialState: { count: 0 },
 *   reduce: ({ event, state }) => (event.type === "increment" ? { count: state.count + 1 } : state),
 * }));
 */
export function defineProcessor<State = undefined>(definition: (() => ProcessorDefinition<State>) | ProcessorDefinition<State>): Processor<State> {
  const processor = typeof definition === "function" ? definition() : definition;
  assertKnownOptions("defineProcessor", processor, processorKeys);
  if (typeof processor?.slug !== "string" || processor.slug === "") throw new TypeError("defineProcessor: the processor needs a slug (a non-empty string).");
  for (const key of ["reduce", "afterAppend", "onCaughtUp", "onStop", "interrupts"] as const) {
    if (processor[key] !== undefined && typeof processor[key] !== "function") throw new TypeError(`defineProcessor: ${key} must be a function.`);
  }
  return "initialState" in processor ? (processor as Processor<State>) : { ...processor, initialState: undefined as State };
}

/** Applies a processor's `reduce` to one event, keeping the old state when it returns `undefined`. */
export function reduceWith<State>(processor: Processor<State>, state: State, event: StoredEvent): State {
  if (!processor.reduce) return state;
  const next = processor.reduce({ event, state });
  return next === undefined ? state : next;
}

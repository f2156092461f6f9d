import type { EventInput, ProcessorLogger, StoredEvent, StreamPath, TributaryError } from "@tributary/protocol";
import type { PreparedEvent } from "../store/stream-store.ts";

/** What a built-in's side effects may use. */
export interface BuiltinAfterAppendContext<State> {
  project: string;
  path: StreamPath;
  event: StoredEvent;
  state: State;
  /** Appends as the server: built-in gates (pause, breaker) do not apply. `path` defaults to this stream. */
  append(input: { event: EventInput; path?: string }): Promise<StoredEvent>;
  logger: ProcessorLogger;
  /** Milliseconds since the epoch, from the server's clock (a fake one in tests). */
  now(): number;
}

export interface BuiltinGateContext<State> {
  project: string;
  path: StreamPath;
  /** The event a client wants to append. */
  event: PreparedEvent;
  state: State;
  now(): number;
}

/**
 * A built-in processor: the same shape as a user's processor (`initialState`, a pure `reduce`,
 * `afterAppend`), plus a `beforeAppend` gate that only the server's built-ins get: it may refuse a
 * client's append before it is stored by returning an error. Nothing else can block an append.
 */
export interface BuiltinProcessor<State = unknown> {
  slug: string;
  initialState: State;
  reduce(context: { event: StoredEvent; state: State }): State | undefined;
  beforeAppend?(context: BuiltinGateContext<State>): TributaryError | undefined;
  afterAppend?(context: BuiltinAfterAppendContext<State>): Promise<void> | void;
  /** Runs once per stream after its history was reduced (on first use, and after a restart). */
  onCaughtUp?(context: Omit<BuiltinAfterAppendContext<State>, "event">): Promise<void> | void;
  /** How the state shows in `GET /api/state/<path>`; the state itself when omitted. */
  describe?(state: State): unknown;
}

/** Defines a built-in processor; the factory runs once. */
export function defineBuiltin<State>(factory: () => BuiltinProcessor<State>): BuiltinProcessor<State> {
  return factory();
}

import type { EventInput, ProcessorLogger, StoredEvent, StreamPath, TributaryError } from "@tributary/protocol";
import type { Logger } from "../logger.ts";
import type { OutboundFetch } from "../outbound/outbound-fetch.ts";
import type { SandboxLimits } from "../sandbox/sandbox-limits.ts";
import type { SecretVault } from "./secrets/secret-vault.ts";
import type { PreparedEvent, StreamStore } from "../store/stream-store.ts";

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
 * What the host hands a built-in that does work of its own (timers, deliveries, workers), once per server.
 * Everything here belongs to one server: two servers in one process never share a built-in's runtime.
 */
export interface BuiltinServices {
  store: StreamStore;
  logger: Logger;
  now(): number;
  /** Appends as the server, past every gate (the breaker must always be able to pause). */
  appendAsServer(project: string, path: StreamPath, events: PreparedEvent[]): Promise<StoredEvent[]>;
  /**
   * Appends as the server but through the built-in gates, like a client: for events a built-in makes on a
   * user's behalf (a schedule's firing, a transformer's output), so a paused stream refuses them too.
   * Throws the gate's `TributaryError` (`stream_paused`, `invalid_event`).
   */
  appendGated(project: string, path: StreamPath, events: PreparedEvent[]): Promise<StoredEvent[]>;
  /** Loads a stream's built-in state now (its `onCaughtUp` hooks run), so work resumes after a restart. */
  wake(project: string, path: StreamPath): Promise<void>;
  /** Records a failure as `stream/error-occurred` on the stream (and in the log). */
  reportError(project: string, path: StreamPath, payload: { message: string; processor: string; offset?: number; [field: string]: unknown }): Promise<void>;
}

/** Extra server-wide settings for the built-ins (from `startServer` options). */
export interface BuiltinSettings {
  /** The breaker every stream gets until it appends `circuit-breaker/configured`; `false` turns the default off. */
  circuitBreaker?: { maxEvents: number; windowSeconds: number } | false;
  /**
   * The fetch for every call made on a user's behalf (webhooks, hosted processors): the outbound policy
   * applies. startServer always passes one; without it built-ins use the strictest policy.
   */
  outbound?: OutboundFetch;
  /** Secrets, decrypted (startServer passes its vault); without it the store's values are used as they are. */
  secrets?: SecretVault;
  /** The hosted processors' sandbox limits (defaults in sandbox/sandbox-limits.ts). */
  sandbox?: Partial<SandboxLimits>;
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
  describe?(state: State, stream: { project: string; path: StreamPath }): unknown;
  /** Runs once when the server starts, after every built-in exists (to resume work found in the store). */
  start?(): Promise<void> | void;
  /** A stream was deleted: drop whatever runs for it. */
  forget?(project: string, path: StreamPath): void;
  /** The server is closing: stop timers and in-flight work. */
  close?(): Promise<void> | void;
}

/** Creates a built-in for one server; built-ins with a runtime of their own are written this way. */
export type BuiltinFactory = (services: BuiltinServices, settings: BuiltinSettings) => BuiltinProcessor<any>;

/**
 * Defines a built-in processor; the factory runs once.
 *
 * @example
 * export const counter = defineBuiltin(() => ({
 *   slug: "counter",
 *   initialState: 0,
 *   reduce: ({ state }) => state + 1,
 * }));
 */
export function defineBuiltin<State>(factory: () => BuiltinProcessor<State>): BuiltinProcessor<State> {
  return factory();
}

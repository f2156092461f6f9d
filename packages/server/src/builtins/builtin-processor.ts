import type { EventInput, ProcessorLogger, StoredEvent, StreamPath, TributaryError } from "@tributary/protocol";
import type { Appender } from "../append/appender.ts";
import type { Logger } from "../logger.ts";
import type { OutboundFetch } from "../outbound/outbound-fetch.ts";
import type { SandboxLimits } from "../sandbox/sandbox-limits.ts";
import type { QuotaSettings } from "./shared/quota.ts";
import type { SecretVault } from "./secrets/secret-vault.ts";
import type { CursorStore } from "../store/cursor-store.ts";
import type { EventReader, PreparedEvent } from "../store/event-log.ts";
import type { MarkedNamespace, MarkStore } from "../store/mark-store.ts";
import type { SecretStore } from "../store/secret-store.ts";

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
  /** The server's limits on configuration (defaults filled in). */
  quotas: QuotaSettings;
  /**
   * This built-in's state on every other stream of the project marked for its `resumes` namespace, as
   * the gate sees them (appends in flight included); given only when `gateSeesProject` asked for it.
   */
  projectStates?: readonly State[];
}

/**
 * The ports a built-in's side effects get, once per server. A built-in's `effects` factory names the
 * ones it uses in its parameter type (`Pick<BuiltinPorts, "appender" | "cursors">`), so each built-in
 * sees only those. Everything here belongs to one server: two servers in one process share nothing.
 */
export interface BuiltinPorts {
  /**
   * The appender: `appendAsServer` goes past every gate (the breaker must always be able to pause);
   * `appendAsClient` passes the gates like a client, for events a built-in makes on a user's behalf (a
   * schedule's firing, a transformer's output), so a paused stream refuses them too.
   */
  appender: Appender;
  /** Reading streams (the cursor workers). */
  events: EventReader;
  cursors: CursorStore;
  marks: MarkStore;
  secrets: SecretStore;
  logger: Logger;
  now(): number;
  /**
   * True while this server may run side effects (it holds the built-ins lease, renewed in time). Checked
   * right before an effect the database cannot fence, such as a webhook POST.
   */
  holdsLease(): boolean;
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

/** A built-in's side effects: the processor half, run after commits (only on the server holding the built-ins lease). */
export interface BuiltinEffects<State> {
  afterAppend?(context: BuiltinAfterAppendContext<State>): Promise<void> | void;
  /** Runs once per stream after its history was reduced (on first use, and after a restart). */
  onCaughtUp?(context: Omit<BuiltinAfterAppendContext<State>, "event">): Promise<void> | void;
  /** How the state shows in `GET /api/state/<path>`; the state itself when omitted. */
  describe?(state: State, stream: { project: string; path: StreamPath }): unknown;
  /** Runs once when the server becomes active, after every built-in exists. */
  start?(): Promise<void> | void;
  /** A stream was deleted: drop whatever runs for it. */
  forget?(project: string, path: StreamPath): void;
  /** The server is closing: stop timers and in-flight work. */
  close?(): Promise<void> | void;
}

/**
 * A built-in processor: an ordinary processor (`slug`, `initialState`, a pure and total `reduce`, side
 * effects after commits) plus its gate, which only the server's built-ins get: `gate` may refuse a
 * client's append before it is stored by returning an error. Nothing else can block an append.
 *
 * The halves are built in the order an append runs: `reduce` and `gate` are pure and exist before the
 * appender (they implement its `Gate` port); `effects` is created afterwards with the ports it uses,
 * the appender among them. So nothing needs a reference back to something created later.
 */
export interface Builtin<State = unknown> {
  slug: string;
  initialState: State;
  reduce(context: { event: StoredEvent; state: State }): State | undefined;
  gate?(context: BuiltinGateContext<State>): TributaryError | undefined;
  /**
   * Whether judging `event` needs this built-in's state on the project's other streams (a quota per
   * project): then the gate gets `projectStates`. Loading them costs a read of the marks, so only the
   * rare configuration events should ask.
   */
  gateSeesProject?(event: PreparedEvent): boolean;
  /**
   * Judges a fork into `path`: `state` is this built-in's state folded from the copied events, and
   * `projectStates` its state on the project's other marked streams. Refuses what the copies may not bring
   * along (a quota), so a fork cannot multiply what a single stream is limited to.
   */
  admitFork?(context: Omit<BuiltinGateContext<State>, "event" | "now"> & { projectStates: readonly State[] }): TributaryError | undefined;
  /**
   * The marked namespace (see mark-store.ts) of streams this built-in has work on: when the server
   * becomes active, the host loads every such stream, so `onCaughtUp` resumes the work without anyone
   * touching the stream.
   */
  resumes?: MarkedNamespace;
  effects?(ports: BuiltinPorts, settings: BuiltinSettings): BuiltinEffects<State>;
}

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
export function defineBuiltin<State>(factory: () => Builtin<State>): Builtin<State> {
  return factory();
}

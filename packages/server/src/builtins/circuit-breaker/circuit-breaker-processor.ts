import type { Builtin, BuiltinEffects, BuiltinPorts, BuiltinSettings } from "../builtin-processor.ts";
import { createRateWindow, type RateWindow } from "./rate-window.ts";

export interface BreakerLimit {
  maxEvents: number;
  windowSeconds: number;
}

export interface CircuitBreakerState {
  /** The stream's own limit (its last `circuit-breaker/configured`), or none: the server's default applies. */
  configured: (BreakerLimit & { offset: number }) | null;
  paused: boolean;
}

export const defaultBreakerLimit: BreakerLimit = { maxEvents: 100, windowSeconds: 1 };

/**
 * Events the breaker does not count: the server's bookkeeping about other streams (a burst of stream
 * creation anywhere appends one `stream/child-created` per new stream to `/`; that is not a loop on `/`,
 * and the loop, if there is one, trips the breaker of the stream it runs on), and pause/resume themselves.
 */
const uncounted = new Set(["stream/child-created", "stream/child-deleted", "stream/paused", "stream/resumed"]);

/**
 * The circuit breaker: more than `maxEvents` events within `windowSeconds` on one stream (default 100 in
 * 1 s) appends `stream/paused` with a reason naming the breaker, which stops a runaway loop at the next
 * append (the pause gate refuses everything but `stream/resumed`).
 *
 * The limit is event-sourced (`circuit-breaker/configured`); the rate is not: it is measured on live
 * commits with the server's clock, so history replayed after a restart never trips it, and resuming a
 * stream starts the count afresh.
 */
export const circuitBreaker: Builtin<CircuitBreakerState> = {
  slug: "circuit-breaker",
  initialState: { configured: null, paused: false },
  reduce: ({ event, state }) => {
    if (event.type === "circuit-breaker/configured") {
      const { maxEvents, windowSeconds } = event.payload;
      if (typeof maxEvents !== "number" || typeof windowSeconds !== "number") return state;
      return { ...state, configured: { maxEvents, windowSeconds, offset: event.offset } };
    }
    if (event.type === "stream/paused") return { ...state, paused: true };
    if (event.type === "stream/resumed") return { ...state, paused: false };
    return state;
  },
  effects: (services, settings) => createBreakerEffects(services, settings),
};

/** The rate is measured here, on live commits, per server. */
function createBreakerEffects(services: Pick<BuiltinPorts, "now">, settings: BuiltinSettings): BuiltinEffects<CircuitBreakerState> {
  const fallback = settings.circuitBreaker === undefined ? defaultBreakerLimit : settings.circuitBreaker;
  const windows = new Map<string, RateWindow>();
  const tripping = new Set<string>();
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
  const limitOf = (state: CircuitBreakerState): BreakerLimit | false => state.configured ?? fallback;

  let lastSweep = 0;

  function windowFor(key: string): RateWindow {
    let window = windows.get(key);
    if (!window) {
      // Streams that went quiet leave a window behind; once there are many, drop the idle ones (at most once a minute).
      const now = services.now();
      if (windows.size > 10_000 && now - lastSweep > 60_000) {
        lastSweep = now;
        for (const [other, candidate] of windows) if (candidate.count(now, 86_400_000) === 0) windows.delete(other);
      }
      windows.set(key, (window = createRateWindow()));
    }
    return window;
  }

  return {
    // Not async: on most events nothing is awaited, and the host awaits only a returned promise.
    afterAppend: ({ project, path, event, state, append, now }) => {
      const key = keyOf(project, path);
      if (event.type === "stream/paused" || event.type === "stream/resumed") {
        windows.get(key)?.clear();
        if (event.type === "stream/resumed") tripping.delete(key);
        return;
      }
      if (uncounted.has(event.type) || state.paused || tripping.has(key)) return;
      const limit = limitOf(state);
      if (!limit) return;
      const window = windowFor(key);
      if (!window.record(now(), { maxEvents: limit.maxEvents, windowMs: limit.windowSeconds * 1000 })) return;
      tripping.add(key);
      window.clear();
      return append({
        event: {
          type: "stream/paused",
          payload: {
            reason: `circuit-breaker: more than ${limit.maxEvents} events within ${limit.windowSeconds} s (a runaway loop?). Find the cause, then append stream/resumed; circuit-breaker/configured changes the limit.`,
            by: "circuit-breaker",
          },
        },
      }).then(
        () => undefined,
        (error: unknown) => {
          tripping.delete(key); // the next event tries again; the host records this failure as an error event
          throw error;
        },
      );
    },
    describe: (state, { project, path }) => {
      const limit = limitOf(state);
      return {
        maxEvents: limit ? limit.maxEvents : null,
        windowSeconds: limit ? limit.windowSeconds : null,
        source: state.configured ? "stream" : limit ? "server default" : "off",
        configuredAtOffset: state.configured?.offset ?? null,
        recentEvents: limit ? (windows.get(keyOf(project, path))?.count(services.now(), limit.windowSeconds * 1000) ?? 0) : null,
      };
    },
    forget: (project, path) => {
      windows.delete(keyOf(project, path));
      tripping.delete(keyOf(project, path));
    },
  };
}

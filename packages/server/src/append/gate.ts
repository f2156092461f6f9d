import type { StreamPath } from "@tributary/protocol";
import type { PreparedEvent } from "../store/event-log.ts";

/**
 * What the appender asks before it hands a client's events to the store: the built-ins' gates (pause,
 * breaker, configuration checks) implement it.
 *
 * `reserve` judges the events against the stream's state including every earlier append that was
 * reserved but is not committed yet, and throws the refusal (a `TributaryError`) if any gate refuses.
 * Otherwise it counts the events in and returns `release`, which the appender calls once the store has
 * answered: `release(true)` after the commit, `release(false)` when the store refused the append.
 */
export interface Gate {
  reserve(project: string, path: StreamPath, events: PreparedEvent[]): Promise<(ok: boolean) => void>;
  /**
   * Judges a fork before it is stored: `events` are the copies the new stream `path` would start with
   * (they passed the gates when first appended, but the configurations they carry count again, as the
   * project's quotas). Throws the refusal.
   */
  admitFork?(project: string, path: StreamPath, events: Iterable<PreparedEvent> | AsyncIterable<PreparedEvent>): Promise<void>;
}

/** A gate that accepts everything (a server without built-ins; tests of the store path). */
export const openGate: Gate = {
  reserve: async () => () => {},
};

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
}

/** A gate that accepts everything (a server without built-ins; tests of the store path). */
export const openGate: Gate = {
  reserve: async () => () => {},
};

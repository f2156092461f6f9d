import type { StoredEvent, StreamPath } from "@tributary/protocol";
import type { AppendResult, EventLog, PreparedEvent } from "../store/event-log.ts";
import { createSerialByKey } from "../serial-by-key.ts";
import type { LeaseFence } from "../store/lease-store.ts";
import type { Gate } from "./gate.ts";

/** The one way events get into a stream; routes and the built-ins' side effects both use it. */
export interface Appender {
  /** A client's append: the gate (the built-ins' gates) applies. A built-in acting for a user passes its lease `fence`. */
  appendAsClient(project: string, path: StreamPath, events: PreparedEvent[], fence?: LeaseFence): Promise<AppendResult>;
  /** The server's own append (built-ins' side effects): no gate, so the breaker can always pause. */
  appendAsServer(project: string, path: StreamPath, events: PreparedEvent[], fence?: LeaseFence): Promise<StoredEvent[]>;
  /** Refuses a fork whose copied configurations the gate does not admit (quotas); see `Gate.admitFork`. */
  admitFork(project: string, path: StreamPath, events: Iterable<PreparedEvent> | AsyncIterable<PreparedEvent>): Promise<void>;
}

/**
 * Creates the appender over the event log and a gate. It depends on nothing above it: the built-ins
 * implement `Gate` and receive this appender, so an append always runs route → gate → store.
 *
 * 1. Appends to one stream pass the gate one at a time, in arrival order, each judged against the state
 *    every earlier accepted append produces (committed or still in flight; see `Gate.reserve`).
 * 2. On a store that commits in call order (SQLite's and PostgreSQL's write queues), only the gate and the
 *    hand-off are serialised, not the commit: appends that arrive together share one group commit. On a
 *    store that does not, each append to a stream waits for the previous one's commit, so commits keep
 *    the gate order.
 * 3. Appends to different streams run concurrently.
 *
 * @example
 * const appender = createAppender({ log: store, gate: builtinGate });
 * await appender.appendAsClient("default", "/jonas", [{ type: "note", payload: {} }]);
 */
/** The provenance of the server's own appends that name no processor of their own. */
const serverProvenance = { kind: "processor", slug: "server" } as const;

export function createAppender(options: { log: Pick<EventLog, "append" | "commitsInCallOrder">; gate: Gate }): Appender {
  const { log, gate } = options;
  const serialised = createSerialByKey();

  return {
    appendAsClient(project, path, events, fence) {
      const handedOff = serialised(`${project}\u0000${path}`, async () => {
        const release = await gate.reserve(project, path, events);
        const committed = log.append(fence ? { project, path, events, fence } : { project, path, events });
        committed.then(
          () => release(true),
          () => release(false),
        );
        if (!log.commitsInCallOrder) await committed.catch(() => undefined);
        return { committed };
      });
      return handedOff.then(({ committed }) => committed);
    },

    async admitFork(project, path, events) {
      await gate.admitFork?.(project, path, events);
    },

    // An event without `appendedBy` is recorded as the server's own.
    async appendAsServer(project, path, given, fence) {
      const events = given.map((event) => (event.appendedBy ? event : { ...event, appendedBy: serverProvenance }));
      const { committed } = await serialised(`${project}\u0000${path}`, async () => {
        const committed = log.append(fence ? { project, path, events, fence } : { project, path, events });
        if (!log.commitsInCallOrder) await committed.catch(() => undefined);
        return { committed };
      });
      const result = await committed;
      return result.events.map((appended) => appended.event);
    },
  };
}

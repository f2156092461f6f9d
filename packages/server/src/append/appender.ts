import type { StoredEvent, StreamPath } from "@tributary/protocol";
import type { BuiltinHost } from "../builtins/builtin-host.ts";
import type { AppendResult, PreparedEvent, StreamStore } from "../store/stream-store.ts";

/**
 * The one way events get into a stream.
 * 1. Appends to one stream pass the built-in gates one at a time, in arrival order, each judged against
 *    the state every earlier accepted append produces (committed or still in flight; see `reserve`).
 * 2. On a store that commits in call order (SQLite), only the gate and the hand-off are serialised, not
 *    the commit: appends that arrive together share one group commit. On other stores (PostgreSQL) each
 *    append to a stream waits for the previous one's commit, so commits keep the gate order.
 * 3. Appends to different streams run concurrently.
 */
export function createAppender(options: { store: StreamStore; builtins: () => BuiltinHost }) {
  const tails = new Map<string, Promise<unknown>>();

  function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  }

  return {
    /** A client's append: built-in gates apply. */
    appendAsClient(project: string, path: StreamPath, events: PreparedEvent[]): Promise<AppendResult> {
      const handedOff = serialised(`${project}\u0000${path}`, async () => {
        const release = await options.builtins().reserve(project, path, events);
        const committed = options.store.append({ project, path, events });
        committed.then(
          () => release(true),
          () => release(false),
        );
        if (!options.store.commitsInCallOrder) await committed.catch(() => undefined);
        return { committed };
      });
      return handedOff.then(({ committed }) => committed);
    },

    /** The server's own append (built-ins' side effects): no gates, so the breaker can always pause. */
    async appendAsServer(project: string, path: StreamPath, events: PreparedEvent[]): Promise<StoredEvent[]> {
      const { committed } = await serialised(`${project}\u0000${path}`, async () => {
        const committed = options.store.append({ project, path, events });
        if (!options.store.commitsInCallOrder) await committed.catch(() => undefined);
        return { committed };
      });
      const result = await committed;
      return result.events.map((appended) => appended.event);
    },
  };
}

export type Appender = ReturnType<typeof createAppender>;

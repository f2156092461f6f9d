import type { StoredEvent, StreamPath } from "@tributary/protocol";
import type { BuiltinHost } from "../builtins/builtin-host.ts";
import type { AppendResult, PreparedEvent, StreamStore } from "../store/stream-store.ts";

/**
 * The one way events get into a stream. Appends to one stream are serialised, so a built-in gate
 * (pause, breaker) always judges an append against the state every earlier append produced.
 * Appends to different streams run concurrently and share the store's group commit.
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
      return serialised(`${project}\u0000${path}`, async () => {
        await options.builtins().gate(project, path, events);
        return options.store.append({ project, path, events });
      });
    },

    /** The server's own append (built-ins' side effects): no gates, so the breaker can always pause. */
    async appendAsServer(project: string, path: StreamPath, events: PreparedEvent[]): Promise<StoredEvent[]> {
      const result = await serialised(`${project}\u0000${path}`, () => options.store.append({ project, path, events }));
      return result.events.map((appended) => appended.event);
    },
  };
}

export type Appender = ReturnType<typeof createAppender>;

import type { StoredEvent } from "@tributary/protocol";
import type { CommittedStreamEvents } from "../stream-store.ts";

type Committed = { event: StoredEvent; json: string };

/**
 * Turns commits from this process and from other processes (heard through NOTIFY) into one ordered feed
 * per stream, as `onCommit` promises: every committed event once per process, in offset order per stream.
 *
 * 1. Each stream has an announced offset. Events at or below it are ignored (a late or duplicate notice).
 * 2. A commit that starts past announced + 1 first reads the gap from the database, so a foreign commit
 *    whose notice has not arrived yet is still announced before a later local one.
 * 3. Work is chained per stream, so announcements for one stream never interleave.
 * 4. A stream first heard of mid-life starts at the first offset heard: history is not re-announced.
 */
export function createCommitAnnouncer(options: {
  readRange: (project: string, path: string, after: number, upTo: number) => Promise<Committed[]>;
  emit: (batch: CommittedStreamEvents) => void;
}) {
  const announced = new Map<string, number>();
  const chains = new Map<string, Promise<void>>();

  function enqueue(key: string, work: () => Promise<void>): Promise<void> {
    const next = (chains.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return next;
  }

  async function announce(project: string, path: string, first: number, last: number, local: Committed[] | undefined) {
    const key = `${project}\u0000${path}`;
    const known = announced.get(key) ?? first - 1;
    if (last <= known) return;
    let events: Committed[] = local?.filter((item) => item.event.offset > known) ?? [];
    const start = events[0]?.event.offset ?? last + 1;
    if (start > known + 1) events = [...(await options.readRange(project, path, known, start - 1)), ...events];
    if (events.length === 0) return;
    announced.set(key, events.at(-1)!.event.offset);
    options.emit({ project, path, events });
  }

  return {
    /** A commit made by this process, with its events in hand. */
    local(project: string, path: string, events: Committed[]): Promise<void> {
      const first = events[0]!.event.offset;
      const last = events.at(-1)!.event.offset;
      return enqueue(`${project}\u0000${path}`, () => announce(project, path, first, last, events));
    },
    /** A commit made elsewhere: events first..last exist in the database. */
    remote(project: string, path: string, first: number, last: number): Promise<void> {
      return enqueue(`${project}\u0000${path}`, () => announce(project, path, first, last, undefined));
    },
    forget(project: string, path: string): void {
      announced.delete(`${project}\u0000${path}`);
    },
  };
}

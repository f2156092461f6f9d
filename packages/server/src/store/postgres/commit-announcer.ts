import type { StoredEvent } from "@tributary/protocol";
import type { CommittedStreamEvents } from "../stream-store.ts";

type Committed = { event: StoredEvent; json: string };

/**
 * Turns commits from this process and from other processes (found by the commit tailer) into one ordered
 * feed per stream, as `onCommit` promises: every committed event once per process, in offset order per stream.
 *
 * 1. Each stream has an announced offset. Events at or below it are ignored (a late or duplicate notice).
 * 2. A commit that starts past announced + 1 first reads the gap from the database, so a foreign commit
 *    the tailer has not reached yet is still announced before a later local one; so is an event handed
 *    on without its JSON (this server's own, when its commit's answer was lost with the connection).
 * 3. Work is chained per stream, so announcements for one stream never interleave.
 * 4. A stream first heard of mid-life starts at the first offset heard: history is not re-announced.
 * 5. A stream no listener wants (`wanted`, asked when its commit's turn in the chain comes) is not
 *    announced, read or parsed, and its announced offset is forgotten: once wanted again it starts at
 *    the first offset heard then (4), so what it missed meanwhile is never read just to be announced.
 *    A listener that starts wanting a stream reads its history itself first (as live readers do).
 */
export function createCommitAnnouncer(options: {
  readRange: (project: string, path: string, after: number, upTo: number) => Promise<Committed[]>;
  emit: (batch: CommittedStreamEvents) => void;
  wanted: (project: string, path: string) => boolean;
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
    if (!options.wanted(project, path)) {
      announced.delete(key);
      return;
    }
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
    /**
     * Events found in the database by the tailer (`json` null: this server's own or one not read, read
     * again if unannounced; `event`: held already, parsed).
     */
    remote(project: string, path: string, found: { offset: number; json: string | null; event?: StoredEvent }[]): Promise<void> {
      return enqueue(`${project}\u0000${path}`, async () => {
        if (!options.wanted(project, path)) {
          announced.delete(`${project}\u0000${path}`);
          return;
        }
        const sorted = [...found].sort((x, y) => x.offset - y.offset);
        const first = sorted[0]!.offset;
        const last = sorted.at(-1)!.offset;
        const key = `${project}\u0000${path}`;
        const known = announced.get(key) ?? first - 1;
        const fresh = sorted.filter((item) => item.offset > known);
        if (fresh.length === 0) return;
        const complete = fresh.every((item, index) => item.json !== null && item.offset === known + 1 + index);
        if (!complete) return announce(project, path, first, last, undefined);
        const events = fresh.map((item) => ({
          event: item.event ?? (JSON.parse(item.json!) as StoredEvent),
          json: item.json!,
        }));
        announced.set(key, last);
        options.emit({ project, path, events });
      });
    },
    forget(project: string, path: string): void {
      announced.delete(`${project}\u0000${path}`);
    },
  };
}

import type { StoredEvent, StreamPath } from "@tributary/protocol";

/** What every configured-by-slug entry has (a subscription, a transformer). */
export interface SlugEntry {
  slug: string;
  /** Changes only when the slug is removed and configured anew: then its worker starts over. */
  startAfter: number;
  configuredOffset: number;
}

export interface SlugWorker {
  /** `event`: the committed event that woke it, when a new event did (in offset order per stream). */
  wake(event?: StoredEvent): void;
  stop(): Promise<void>;
  /** The configuration changed: act on it now (skip a backoff, say). */
  reconfigured?(): void;
}

/**
 * Keeps one worker per configured slug per stream in step with the folded state: starts workers for new
 * slugs, hands changed configurations to running ones (through the `config` getter), stops removed ones.
 *
 * @example
 * const workers = createSlugWorkers((project, path, config) => createSubscriptionDelivery({ … config }));
 * workers.sync(project, path, Object.values(state.subscriptions));
 */
export function createSlugWorkers<Entry extends SlugEntry, Worker extends SlugWorker>(
  create: (project: string, path: StreamPath, config: () => Entry) => Worker,
) {
  const streams = new Map<string, Map<string, { worker: Worker; config: Entry }>>();
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
  let closed = false;

  return {
    sync(project: string, path: StreamPath, entries: Entry[]): void {
      if (closed) return;
      const key = keyOf(project, path);
      const running = streams.get(key) ?? new Map<string, { worker: Worker; config: Entry }>();
      const wanted = new Map(entries.map((entry) => [entry.slug, entry]));
      for (const [slug, current] of running) {
        if (wanted.get(slug)?.startAfter !== current.config.startAfter) {
          void current.worker.stop();
          running.delete(slug);
        }
      }
      for (const entry of entries) {
        const current = running.get(entry.slug);
        if (!current) {
          const holder = { config: entry } as { worker: Worker; config: Entry };
          holder.worker = create(project, path, () => holder.config);
          running.set(entry.slug, holder);
        } else if (current.config.configuredOffset < entry.configuredOffset) {
          current.config = entry;
          current.worker.reconfigured?.();
        }
      }
      if (running.size > 0) streams.set(key, running);
      else streams.delete(key);
    },

    wakeAll(project: string, path: string, event?: StoredEvent): void {
      // Called for every event; most servers run no worker at all (no key to build then).
      if (streams.size === 0) return;
      for (const { worker } of streams.get(keyOf(project, path))?.values() ?? []) worker.wake(event);
    },

    get(project: string, path: string, slug: string): Worker | undefined {
      return streams.get(keyOf(project, path))?.get(slug)?.worker;
    },

    forget(project: string, path: string): void {
      for (const { worker } of streams.get(keyOf(project, path))?.values() ?? []) void worker.stop();
      streams.delete(keyOf(project, path));
    },

    async close(): Promise<void> {
      closed = true;
      const all = [...streams.values()].flatMap((running) => [...running.values()]);
      streams.clear();
      await Promise.all(all.map(({ worker }) => worker.stop()));
    },
  };
}

import { guardedReduce, type StoredEvent, type StreamPath } from "@tributary/protocol";
import { LRUCache } from "lru-cache";
import type { Logger } from "../../logger.ts";
import type { CommittedStreamEvents, EventReader } from "../../store/event-log.ts";
import type { Builtin } from "../builtin-processor.ts";

/** One stream's built-in state: every built-in's state, in `builtins` order, as of `offset`. */
export interface StreamStates {
  offset: number;
  states: unknown[];
}

/** Who hears what the state cache folds: the effect runner. */
export interface StatesListener {
  /** A committed event was folded in; `states` is the state right after it. */
  event(project: string, path: StreamPath, event: StoredEvent, states: unknown[]): void;
  /** A stream's history was folded in for the first time since it was (re)loaded. */
  caughtUp(project: string, path: StreamPath, states: unknown[]): void;
}

interface Entry extends StreamStates {
  loading: Promise<void> | undefined;
  /** Events committed while the history was loading; folded (if newer) and handed on after. */
  pending: StoredEvent[];
}

/** How many streams' built-in state stays in memory; the least recently used ones are dropped and reloaded on use. */
export const defaultMaxCachedStreams = 10_000;

const pageSize = 5000;

/**
 * The built-ins' state per stream, folded from the stream's events: loaded lazily by reading the stream,
 * then kept current from the commit feed (`onCommit`).
 *
 * 1. At most `maxStreams` streams are held (LRU); a dropped stream is read again on its next use.
 * 2. Every committed event of a held stream is folded once, in offset order, and handed to the listener.
 *    A gap (events committed elsewhere that this process did not hear) reloads the stream.
 * 3. Loading yields to the event loop between pages, so a long stream does not stall other requests.
 *
 * @example
 * const states = createBuiltinStates({ events: store, builtins, logger });
 * store.onCommit(states.onCommit);
 * const { states: current } = await states.load("default", "/jonas");
 */
export function createBuiltinStates(options: { events: EventReader; builtins: readonly Builtin<any>[]; logger: Logger; maxStreams?: number }) {
  const { events, builtins, logger } = options;
  const entries = new LRUCache<string, Entry>({ max: options.maxStreams ?? defaultMaxCachedStreams });
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
  let listener: StatesListener | undefined;

  function fold(states: unknown[], event: StoredEvent): void {
    builtins.forEach((builtin, index) => {
      states[index] = guardedReduce(builtin.reduce, states[index], event, (error) =>
        // reduce must be total; a throw is a bug in a built-in, so keep the old state and say so.
        logger.error("built-in reduce threw", { processor: builtin.slug, offset: event.offset, error: String(error) }),
      );
    });
  }

  function apply(project: string, path: StreamPath, entry: Entry, committed: StoredEvent[]): void {
    for (const event of committed) {
      if (event.offset <= entry.offset) continue;
      if (event.offset !== entry.offset + 1) {
        entries.delete(keyOf(project, path));
        void load(project, path);
        return;
      }
      fold(entry.states, event);
      entry.offset = event.offset;
      listener?.event(project, path, event, entry.states.slice());
    }
  }

  function load(project: string, path: StreamPath): Promise<StreamStates> {
    const key = keyOf(project, path);
    const existing = entries.get(key);
    if (existing) return existing.loading ? existing.loading.then(() => existing) : Promise.resolve(existing);
    const entry: Entry = { offset: 0, states: builtins.map((builtin) => structuredClone(builtin.initialState)), loading: undefined, pending: [] };
    entries.set(key, entry);
    entry.loading = (async () => {
      for (;;) {
        const records = await events.read(project, path, { afterOffset: entry.offset, limit: pageSize });
        for (const record of records) {
          fold(entry.states, JSON.parse(record.json) as StoredEvent);
          entry.offset = record.offset;
        }
        if (records.length < pageSize) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      entry.loading = undefined;
      const pending = entry.pending;
      entry.pending = [];
      listener?.caughtUp(project, path, entry.states.slice());
      // Events committed during the load: their side effects still run, in order.
      for (const event of pending) {
        if (event.offset > entry.offset) apply(project, path, entry, [event]);
        else listener?.event(project, path, event, entry.states.slice());
      }
    })().catch((error: unknown) => {
      if (entries.get(key) === entry) entries.delete(key);
      throw error;
    });
    return entry.loading.then(() => entry);
  }

  return {
    load,

    /** Sets who hears folded events (the effect runner); one listener. */
    listen(next: StatesListener): void {
      listener = next;
    },

    /** Feeds committed events in; subscribe it to the store's commit feed. */
    onCommit(batch: CommittedStreamEvents): void {
      const committed = batch.events.map((item) => item.event);
      const entry = entries.get(keyOf(batch.project, batch.path));
      if (!entry) {
        void load(batch.project, batch.path).then(
          (loaded) => {
            for (const event of committed) listener?.event(batch.project, batch.path, event, loaded.states.slice());
          },
          (error: unknown) => logger.error("loading built-in state failed", { path: batch.path, error: String(error) }),
        );
        return;
      }
      if (entry.loading) entry.pending.push(...committed);
      else apply(batch.project, batch.path, entry, committed);
    },

    /** Forgets a deleted stream's state. */
    forget(project: string, path: StreamPath): void {
      entries.delete(keyOf(project, path));
    },

    /** Forgets every stream's state (each is reloaded, and caught up, on its next use). */
    clear(): void {
      entries.clear();
    },

    /** How many streams' state is held (for tests of the bound). */
    size: () => entries.size,
  };
}

export type BuiltinStates = ReturnType<typeof createBuiltinStates>;

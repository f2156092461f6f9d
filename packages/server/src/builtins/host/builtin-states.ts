import { guardedReduce, type StoredEvent, type StreamPath } from "@tributary/protocol";
import { LRUCache } from "lru-cache";
import type { Logger } from "../../logger.ts";
import type { CommittedStreamEvents, EventReader } from "../../store/event-log.ts";
import type { SnapshotStore } from "../../store/snapshot-store.ts";
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
  /** The offset of the last snapshot stored (or loaded) for this stream; 0 when none. */
  snapshotOffset: number;
  snapshotting: boolean;
}

/** How many streams' built-in state stays in memory; the least recently used ones are dropped and reloaded on use. */
export const defaultMaxCachedStreams = 10_000;

const pageSize = 5000;

/**
 * The version of the built-ins' state shapes. Bump it when a built-in's state or reduce changes meaning:
 * snapshots of another version (or another set of built-ins) are ignored and the history is folded again.
 */
export const builtinStateVersion = 1;

/** A snapshot is written once this many events were folded past the last one. */
export const defaultSnapshotEvery = 10_000;

/** The name a set of built-ins stores its snapshots under: the state version and the slugs, in order. */
export function snapshotNameFor(builtins: readonly Builtin<any>[]): string {
  return `builtins/v${builtinStateVersion}/${builtins.map((builtin) => builtin.slug).join(",")}`;
}

export interface SnapshotOptions {
  store: SnapshotStore;
  /** Events folded past the last snapshot before the next is written. */
  every?: number;
}

/**
 * The built-ins' state per stream, folded from the stream's events: loaded lazily by reading the stream,
 * then kept current from the commit feed (`onCommit`).
 *
 * 1. At most `maxStreams` streams are held (LRU); a dropped stream is read again on its next use.
 * 2. Every committed event of a held stream is folded once, in offset order, and handed to the listener.
 *    A gap (events committed elsewhere that this process did not hear) reloads the stream.
 * 3. Loading yields to the event loop between pages, so a long stream does not stall other requests.
 * 4. With `snapshots`, the state is stored with its offset every `every` folded events, and a load starts
 *    from the stored snapshot: a long stream's first touch after a restart reads only the events after it.
 *    Snapshots are named by `builtinStateVersion` and the built-ins' slugs, so a changed set starts over.
 *
 * @example
 * const states = createBuiltinStates({ events: store, builtins, logger });
 * store.onCommit(states.onCommit);
 * const { states: current } = await states.load("default", "/jonas");
 */
export function createBuiltinStates(options: {
  events: EventReader;
  builtins: readonly Builtin<any>[];
  logger: Logger;
  maxStreams?: number;
  snapshots?: SnapshotOptions;
}) {
  const { events, builtins, logger, snapshots } = options;
  const snapshotName = snapshotNameFor(builtins);
  const snapshotEvery = snapshots?.every ?? defaultSnapshotEvery;
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
    maybeSnapshot(project, path, entry);
  }

  /** Stores the state when enough events were folded past the last snapshot; never blocks the fold. */
  function maybeSnapshot(project: string, path: StreamPath, entry: Entry): void {
    if (!snapshots || entry.snapshotting || entry.offset - entry.snapshotOffset < snapshotEvery) return;
    const snapshot = { offset: entry.offset, json: JSON.stringify(entry.states) };
    entry.snapshotting = true;
    snapshots.store.putSnapshot(project, path, snapshotName, snapshot).then(
      () => {
        entry.snapshotOffset = Math.max(entry.snapshotOffset, snapshot.offset);
        entry.snapshotting = false;
      },
      (error: unknown) => {
        entry.snapshotting = false;
        logger.warn("storing a built-in state snapshot failed", { path, offset: snapshot.offset, error: String(error) });
      },
    );
  }

  /** The stored snapshot, if there is one this set of built-ins can start from. */
  async function startingPoint(project: string, path: StreamPath): Promise<StreamStates | undefined> {
    if (!snapshots) return undefined;
    const snapshot = await snapshots.store.getSnapshot(project, path, snapshotName);
    if (!snapshot) return undefined;
    try {
      const states = JSON.parse(snapshot.json) as unknown;
      if (Array.isArray(states) && states.length === builtins.length) return { offset: snapshot.offset, states };
    } catch {
      // fall through: a snapshot that can't be read is ignored, the history is the truth
    }
    logger.warn("ignoring an unreadable built-in state snapshot", { path, offset: snapshot.offset });
    return undefined;
  }

  /** Set by `close`: no load starts, and one under way stops at its next read. */
  let closed = false;
  const loads = new Set<Promise<void>>();
  const stopIfClosed = () => {
    if (closed) throw new Error("the built-ins' state was closed (the server is shutting down)");
  };

  function load(project: string, path: StreamPath): Promise<StreamStates> {
    const key = keyOf(project, path);
    if (closed) return Promise.reject(new Error("the built-ins' state was closed (the server is shutting down)"));
    const existing = entries.get(key);
    if (existing) return existing.loading ? existing.loading.then(() => existing) : Promise.resolve(existing);
    const entry: Entry = {
      offset: 0,
      states: builtins.map((builtin) => structuredClone(builtin.initialState)),
      loading: undefined,
      pending: [],
      snapshotOffset: 0,
      snapshotting: false,
    };
    entries.set(key, entry);
    entry.loading = (async () => {
      const start = await startingPoint(project, path);
      stopIfClosed();
      if (start) {
        entry.offset = entry.snapshotOffset = start.offset;
        entry.states = start.states;
      }
      for (;;) {
        const records = await events.read(project, path, { afterOffset: entry.offset, limit: pageSize });
        stopIfClosed();
        for (const record of records) {
          fold(entry.states, JSON.parse(record.json) as StoredEvent);
          entry.offset = record.offset;
        }
        if (records.length < pageSize) break;
        await new Promise((resolve) => setImmediate(resolve));
        stopIfClosed();
      }
      entry.loading = undefined;
      maybeSnapshot(project, path, entry);
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
    const settled = entry.loading.then(
      () => undefined,
      () => undefined,
    );
    loads.add(settled);
    void settled.then(() => loads.delete(settled));
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
      if (closed) return;
      const committed = batch.events.map((item) => item.event);
      const entry = entries.get(keyOf(batch.project, batch.path));
      if (!entry) {
        void load(batch.project, batch.path).then(
          (loaded) => {
            for (const event of committed) listener?.event(batch.project, batch.path, event, loaded.states.slice());
          },
          (error: unknown) => {
            if (!closed) logger.error("loading built-in state failed", { path: batch.path, error: String(error) });
          },
        );
        return;
      }
      if (entry.loading) entry.pending.push(...committed);
      else apply(batch.project, batch.path, entry, committed);
    },

    /** A stream's state if it is held and loaded (what `load` would resolve with), else undefined. */
    held(project: string, path: string): StreamStates | undefined {
      const entry = entries.get(keyOf(project, path));
      return entry && !entry.loading ? entry : undefined;
    },

    /** Whether a stream's state is held (loaded or loading). */
    holds(project: string, path: string): boolean {
      return entries.has(keyOf(project, path));
    },

    /** Forgets a deleted stream's state. */
    forget(project: string, path: StreamPath): void {
      entries.delete(keyOf(project, path));
    },

    /** Forgets every stream's state (each is reloaded, and caught up, on its next use). */
    clear(): void {
      entries.clear();
    },

    /**
     * Stops loading (the server is shutting down): no load starts, the ones under way stop at their next read,
     * and this resolves once they have, so the store can be closed under none of them.
     */
    async close(): Promise<void> {
      closed = true;
      await Promise.all(loads);
    },

    /** How many streams' state is held (for tests of the bound). */
    size: () => entries.size,
  };
}

export type BuiltinStates = ReturnType<typeof createBuiltinStates>;

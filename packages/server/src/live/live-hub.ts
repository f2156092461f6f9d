import type { CommittedStreamEvents } from "../store/stream-store.ts";

/** One committed event, encoded once for every wire format a reader may want. */
export interface EncodedEvent {
  offset: number;
  json: string;
  frame(format: LiveFormat): string;
}

export type LiveFormat = "sse" | "ndjson";

/** A live reader: the hub calls `deliver` with each committed event of its stream, in offset order. */
export interface LiveSubscriber {
  deliver(event: EncodedEvent): void;
  /** Called every heartbeat interval so idle connections stay open through proxies. */
  heartbeat(): void;
  /** Called when the stream is deleted or the server shuts down. */
  close(): void;
}

/** Encodes an event for a wire format. The SSE frame carries the offset as `id:` and the event on `data:`. */
export function encodeFrame(format: LiveFormat, offset: number, json: string): string {
  return format === "sse" ? `id: ${offset}\ndata: ${json}\n\n` : `${json}\n`;
}

function encoded(offset: number, json: string): EncodedEvent {
  const frames: Partial<Record<LiveFormat, string>> = {};
  return { offset, json, frame: (format) => (frames[format] ??= encodeFrame(format, offset, json)) };
}

/**
 * Fan-out of committed events to live readers. Readers never query storage for live events: each
 * committed event is encoded once per format and handed to every reader of its stream. Readers decide
 * what to do with a slow socket (see `createStreamWriter`), so one slow reader never stalls another.
 *
 * @example
 * const hub = createLiveHub({ heartbeatMs: 15_000 });
 * store.onCommit(hub.publish);
 */
export function createLiveHub(options: { heartbeatMs: number }) {
  const readers = new Map<string, Set<LiveSubscriber>>();
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
  const timer = setInterval(() => {
    for (const set of readers.values()) for (const reader of set) reader.heartbeat();
  }, options.heartbeatMs);
  timer.unref();

  return {
    subscribe(project: string, path: string, reader: LiveSubscriber): () => void {
      const key = keyOf(project, path);
      let set = readers.get(key);
      if (!set) readers.set(key, (set = new Set()));
      set.add(reader);
      return () => {
        set.delete(reader);
        if (set.size === 0 && readers.get(key) === set) readers.delete(key);
      };
    },

    publish(batch: CommittedStreamEvents): void {
      const set = readers.get(keyOf(batch.project, batch.path));
      if (!set || set.size === 0) return;
      for (const { event, json } of batch.events) {
        const item = encoded(event.offset, json);
        for (const reader of set) reader.deliver(item);
      }
    },

    /** Ends every reader of a stream (it was deleted). */
    closeStream(project: string, path: string): void {
      const set = readers.get(keyOf(project, path));
      if (!set) return;
      for (const reader of [...set]) reader.close();
    },

    readerCount(): number {
      let count = 0;
      for (const set of readers.values()) count += set.size;
      return count;
    },

    close(): void {
      clearInterval(timer);
      for (const set of readers.values()) for (const reader of [...set]) reader.close();
      readers.clear();
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;

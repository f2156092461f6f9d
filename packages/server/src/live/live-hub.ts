import { ndjsonLine, sseFrame } from "@tributary/protocol";
import type { CommittedStreamEvents } from "../store/stream-store.ts";

export type LiveFormat = "sse" | "ndjson";

/** A committed event as the hub holds it (as the store announced it): its offset and type, and its stored JSON. */
export interface HeldEvent {
  event: { offset: number; type: string };
  json: string;
}

/**
 * A run of consecutive committed events of one stream, encoded once per wire format: one Buffer that
 * every reader of that format is handed as it is (no per-reader encoding).
 */
export interface EncodedRun {
  first: number;
  last: number;
  /** All events of the run as one chunk. */
  chunk(format: LiveFormat): Buffer;
  /**
   * The same bytes framed as one HTTP/1.1 chunk (`<size in hex>\r\n…\r\n`), for a reader that writes to
   * its socket directly: one buffer and one write per reader, where `res.write` makes four.
   */
  httpChunk(format: LiveFormat): Buffer;
  /** One event's frame, for a reader that needs only part of the run. */
  frame(format: LiveFormat, offset: number): string;
  /** One event's type and stored JSON (a filtered reader tests each event). */
  event(offset: number): HeldEvent;
}

/** A live reader: the hub calls `deliver` with each run of committed events of its stream, in offset order. */
export interface LiveSubscriber {
  deliver(run: EncodedRun): void;
  /** Called every heartbeat interval so idle connections stay open through proxies. */
  heartbeat(): void;
  /** Called when the stream is deleted or the server shuts down. */
  close(): void;
}

/** Encodes an event for a wire format. The SSE frame carries the offset as `id:` and the event on `data:`. */
export function encodeFrame(format: LiveFormat, offset: number, json: string): string {
  return format === "sse" ? sseFrame(offset, json) : ndjsonLine(json);
}

/**
 * With `gather: "task"`, the most readers a stream may have for its commits to be written before the
 * appends are answered. Each reader is a socket write (~10 µs): a stream with many readers holds every
 * appender's answer for all of them (1,000 readers, 10 ms and more), so an appender with a few
 * connections runs out of them and its next appends wait in its own queue. Such a stream is written at
 * the start of the next turn instead (a timer), after the answers and before the next appends are read.
 * Same-run A/B (`probes/fan-out-ab.ts`, 1,000 readers): 2-4x the events per read, a third less server CPU
 * per event.
 */
export const defaultTaskReadersAtMost = 32;

function encodeRun(events: readonly HeldEvent[]): EncodedRun {
  const texts: Partial<Record<LiveFormat, string>> = {};
  const chunks: Partial<Record<LiveFormat, Buffer>> = {};
  const httpChunks: Partial<Record<LiveFormat, Buffer>> = {};
  const first = events[0]!.event.offset;
  const text = (format: LiveFormat) => {
    let joined = texts[format];
    if (joined === undefined) {
      joined = "";
      for (const { event, json } of events) joined += encodeFrame(format, event.offset, json);
      texts[format] = joined;
    }
    return joined;
  };
  return {
    first,
    last: events.at(-1)!.event.offset,
    chunk: (format) => (chunks[format] ??= Buffer.from(text(format))),
    httpChunk: (format) => {
      let framed = httpChunks[format];
      if (framed === undefined) {
        // One allocation: the size line, the frames and the CRLF written into it in place (instead of a
        // Buffer of the frames and a concatenation with two more).
        const body = text(format);
        const size = Buffer.byteLength(body);
        const head = `${size.toString(16)}\r\n`;
        framed = Buffer.allocUnsafe(head.length + size + 2);
        framed.write(head, 0, "latin1");
        framed.write(body, head.length, "utf8");
        framed.write("\r\n", head.length + size, "latin1");
        httpChunks[format] = framed;
      }
      return framed;
    },
    frame: (format, offset) => encodeFrame(format, offset, events[offset - first]!.json),
    event: (offset) => events[offset - first]!,
  };
}

/**
 * Fan-out of committed events to live readers. Readers never query storage for live events.
 *
 * 1. Commits are gathered per stream for one event-loop turn, then each stream's run is encoded once per
 *    format into one Buffer and written once to every reader. Under load turns grow longer and runs
 *    larger, so the number of socket writes stays near one per reader per turn, not one per event.
 *    With `gather: "task"` (a store that announces a turn's commits together, `announcesPerTurn`) the
 *    run is written as it is announced instead of on the next turn: the store announces each stream's
 *    whole commit in one batch, so waiting gathers nothing more, and it costs each live reader a loop turn
 *    during which the appenders' answers go out first (and, on the same task, the store's other commit
 *    listeners: the built-ins' fold runs after the write). Except for a stream with more than `taskReadersAtMost` readers (default 32): writing
 *    to all of them would hold the answers, so it is written on the next turn, after them.
 * 2. Readers decide what to do with a slow socket (see `writeStream`), so one slow reader never stalls
 *    another.
 *
 * @example
 * const hub = createLiveHub({ heartbeatMs: 15_000, gather: store.announcesPerTurn ? "task" : "turn" });
 * store.onCommit(hub.publish, hub.wants);
 */
export function createLiveHub(options: { heartbeatMs: number; gather?: "task" | "turn"; taskReadersAtMost?: number }) {
  const taskReadersAtMost = options.gather === "task" ? (options.taskReadersAtMost ?? defaultTaskReadersAtMost) : -1;
  const readers = new Map<string, Set<LiveSubscriber>>();
  /** Streams with more readers than `taskReadersAtMost`: written on the next turn, after the answers. */
  const deferred = new Map<string, HeldEvent[]>();
  let deferredScheduled = false;
  // Per turn, a store that announces commits one by one (PostgreSQL) is written on the next check phase.
  // Deferred past the answers (SQLite, many readers), a timer: it runs in the next turn's timers phase,
  // before the poll that reads new appends and the check phase that commits them, so that no flush
  // stands between a commit and its answers (an immediate would run just before the next commit).
  const deferredSchedule = (task: () => void) => (options.gather === "task" ? setTimeout(task, 0) : setImmediate(task));
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
  const timer = setInterval(() => {
    for (const set of readers.values()) for (const reader of set) reader.heartbeat();
  }, options.heartbeatMs);
  timer.unref();

  function write(runs: Map<string, HeldEvent[]>): void {
    for (const [key, events] of runs) {
      const set = readers.get(key);
      if (!set || set.size === 0) continue;
      const run = encodeRun(events);
      for (const reader of set) reader.deliver(run);
    }
    runs.clear();
  }
  const flushDeferred = () => {
    deferredScheduled = false;
    write(deferred);
  };

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

    /** Whether a stream has live readers here (the commit feed's `wants`: a shared store follows only those). */
    wants(project: string, path: string): boolean {
      return readers.has(keyOf(project, path));
    },

    publish(batch: CommittedStreamEvents): void {
      const key = keyOf(batch.project, batch.path);
      const set = readers.get(key);
      if (!set) return;
      // A stream already waiting for the next turn stays there, so its events keep their order.
      if (!deferred.has(key) && set.size <= taskReadersAtMost) {
        // Written at once, before the store's other commit listeners (the built-ins' fold) and the
        // appends' answers: the store announces a stream's whole commit in one batch, so there is
        // nothing more to gather for it.
        const run = encodeRun(batch.events);
        for (const reader of set) reader.deliver(run);
        return;
      }
      let events = deferred.get(key);
      if (!events) deferred.set(key, (events = []));
      for (const held of batch.events) events.push(held);
      if (!deferredScheduled) {
        deferredScheduled = true;
        deferredSchedule(flushDeferred);
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
      deferred.clear();
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;

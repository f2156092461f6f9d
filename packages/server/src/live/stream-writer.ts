import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { sseComment, type StreamPath } from "@tributary/protocol";
import { eventMatcher } from "../read/event-filter.ts";
import { scanFiltered } from "../read/scan-filtered.ts";
import type { EventFilter, StreamStore } from "../store/stream-store.ts";
import type { Logger } from "../logger.ts";
import type { EncodedRun, LiveFormat, LiveHub } from "./live-hub.ts";

export interface StreamWriterOptions {
  store: StreamStore;
  hub: LiveHub;
  project: string;
  path: StreamPath;
  format: LiveFormat;
  /** Exclusive lower bound: the first event written has a greater offset. */
  afterOffset: number;
  /** Exclusive upper bound; the response ends once it is reached. */
  beforeOffset: number;
  live: boolean;
  /** Only events that match (`types=`, `q=`); the offsets written are still the stored ones. */
  filter?: EventFilter;
  /** Offsets a filtered backlog read examines per store call. */
  filterScanWindow: number;
  /** Bytes a reader may have unsent before it is disconnected (it resumes with Last-Event-ID). */
  maxBufferedBytes: number;
  pageSize: number;
  /** Where a failed backlog read is reported (the reader is then disconnected and resumes). */
  logger: Logger;
}

/**
 * Writes a stream to an HTTP response: the backlog from storage, then (when live) each committed event
 * as the hub delivers it.
 *
 * How it stays correct and bounded:
 * 1. It subscribes to the hub before reading the backlog, and tracks the last offset it wrote. A live
 *    event at or below that offset is skipped; a live event that leaves a gap sends it back to storage to
 *    fill the gap. So no event is lost or written twice, whatever the interleaving of reads and commits.
 * 2. A reader whose socket has more than `maxBufferedBytes` unsent is disconnected instead of buffering
 *    without bound; SSE clients resume from `Last-Event-ID`. Other readers are not affected.
 * 3. Backlog reads go page by page and wait for the socket to drain, so a large catch-up never holds
 *    more than a page in memory, and each page is read on a turn of the event loop of its own.
 * 4. With a filter, "the last offset written" is the last offset examined: backlog scans go window by
 *    window (`scanFiltered`) and live runs are tested event by event, so a filter that matches rarely
 *    neither rescans nor stalls the loop.
 */
export function writeStream(res: ServerResponse, options: StreamWriterOptions): void {
  const { store, hub, project, path, format, filter } = options;
  const matches = filter ? eventMatcher(filter) : undefined;
  let lastWritten = options.afterOffset;
  let catchingUp = false;
  let missedWhileCatchingUp = false;
  let closed = false;
  let unsubscribe: () => void = () => {};

  const finish = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  const abort = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    res.destroy();
  };
  res.on("close", () => {
    closed = true;
    unsubscribe();
  });

  const reachedEnd = () => lastWritten + 1 >= options.beforeOffset;

  const write = (offset: number, chunk: string | Uint8Array): boolean => {
    lastWritten = offset;
    return res.write(chunk);
  };

  /**
   * Writes a live run. Over HTTP/1.1 the run's shared, already-framed chunk goes to the socket in one
   * write: `res.write` costs four (size, CRLF, data, CRLF, gathered by a cork and a `nextTick` per call),
   * which at a thousand readers per run was most of the JavaScript of a fan-out. Everything else this
   * response writes goes through `res` onto the same socket, so the bytes stay in order; when `res` is
   * not writing straight to its socket (no chunked encoding, a HEAD, a response queued behind another)
   * it falls back to `res.write`.
   */
  const writeRun = (run: EncodedRun): void => {
    lastWritten = run.last;
    const socket = directSocket(res);
    if (socket) socket.write(run.httpChunk(format));
    else res.write(run.chunk(format));
  };

  async function catchUp(): Promise<void> {
    if (catchingUp || closed) return;
    catchingUp = true;
    try {
      missedWhileCatchingUp = true;
      while (missedWhileCatchingUp && !closed && !reachedEnd()) {
        missedWhileCatchingUp = false;
        await readToHead();
      }
    } catch (error) {
      options.logger.error("reading a stream for a reader failed", { project, path, error: error instanceof Error ? error.message : String(error) });
      abort();
      return;
    } finally {
      catchingUp = false;
    }
    if (!options.live || reachedEnd()) finish();
  }

  async function readToHead(): Promise<void> {
    if (filter) return scanToHead(filter);
    while (!closed && !reachedEnd()) {
      const range = {
        afterOffset: lastWritten,
        beforeOffset: options.beforeOffset === Number.POSITIVE_INFINITY ? undefined : options.beforeOffset,
        limit: options.pageSize,
      };
      // The database joins the page into bytes: one write, no per-event objects.
      const page = await store.readEncoded(project, path, range, format);
      if (page.lastOffset === undefined) break;
      const drained = write(page.lastOffset, page.bytes);
      if (page.count < options.pageSize) break;
      if (!drained) await drainOrClose();
      // Over loopback a socket takes page after page without backpressure (and a drain that follows a
      // write the kernel took at once comes on the same turn): yield a turn per page, so one large
      // catch-up does not hold the event loop (and every other request) for its whole length
      // (test: read-fairness.e2e).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function scanToHead(filter: EventFilter): Promise<void> {
    const head = (await store.info(project, path))?.lastOffset ?? 0;
    const endOffset = Math.min(options.beforeOffset, head + 1);
    const scan = scanFiltered({
      store,
      project,
      path,
      filter,
      format,
      afterOffset: lastWritten,
      endOffset,
      pageSize: options.pageSize,
      window: options.filterScanWindow,
    });
    for await (const page of scan) {
      if (closed) return;
      const drained = page.count > 0 ? res.write(page.bytes) : true;
      lastWritten = page.coveredThrough;
      if (!drained) await drainOrClose();
    }
  }

  function drainOrClose(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  }

  if (options.live) {
    unsubscribe = hub.subscribe(project, path, {
      deliver(run: EncodedRun) {
        if (closed || run.last <= lastWritten) return;
        if (catchingUp) {
          missedWhileCatchingUp = true;
          return;
        }
        if (run.first > lastWritten + 1) {
          void catchUp();
          return;
        }
        if (res.writableLength > options.maxBufferedBytes) return abort();
        if (matches) {
          const end = Math.min(run.last, options.beforeOffset - 1);
          let frames = "";
          for (let offset = lastWritten + 1; offset <= end; offset++) {
            const held = run.event(offset);
            if (matches(held.event.type, held.json)) frames += run.frame(format, offset);
          }
          if (frames !== "") res.write(frames);
          lastWritten = end;
        } else if (run.first === lastWritten + 1 && run.last < options.beforeOffset) {
          writeRun(run);
        } else {
          // Part of the run was written already, or the range ends inside it: write event by event.
          const end = Math.min(run.last, options.beforeOffset - 1);
          let frames = "";
          for (let offset = lastWritten + 1; offset <= end; offset++) frames += run.frame(format, offset);
          if (frames !== "") write(end, frames);
        }
        if (reachedEnd()) finish();
      },
      heartbeat() {
        if (!closed && format === "sse" && !catchingUp) res.write(sseComment("heartbeat"));
      },
      close: finish,
    });
  }
  void catchUp();
}

/** Internals of `ServerResponse` that say whether its writes go straight to its socket. */
interface ResponseInternals {
  chunkedEncoding?: boolean;
  _hasBody?: boolean;
  _headerSent?: boolean;
  outputData?: unknown[];
}

/**
 * The socket a response's body can be written to directly, as chunked HTTP/1.1: its head is sent, it
 * is the socket's current response, and nothing of it waits in its own buffer. Otherwise undefined.
 */
function directSocket(res: ServerResponse): Socket | undefined {
  const internals = res as unknown as ResponseInternals;
  const socket = res.socket as (Socket & { _httpMessage?: unknown }) | null;
  if (!socket || socket._httpMessage !== res || !socket.writable) return undefined;
  if (internals.chunkedEncoding !== true || internals._hasBody === false || internals._headerSent !== true) return undefined;
  if ((internals.outputData?.length ?? 0) > 0 || res.writableEnded) return undefined;
  return socket;
}

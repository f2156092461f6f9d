import { setTimeout as sleep } from "node:timers/promises";
import type { OffsetCursor, StoredEvent } from "@tributary/protocol";
import { apiUrl, errorFromResponse, openBody, projectHeaders, unreachable, type Endpoint } from "./http.ts";
import { readHead } from "./read-head.ts";
import { createSseParser } from "./sse-parser.ts";

export interface StreamOptions {
  path: string;
  /** Exclusive lower bound: an offset, `start` (default) or `end` (only events appended from now on). */
  afterOffset?: OffsetCursor;
  /** Exclusive upper bound: the iteration ends before this offset. */
  beforeOffset?: OffsetCursor;
  /** Keep the connection open and yield each new event as it is committed. */
  live?: boolean;
  /** Aborting ends the iteration quietly. */
  signal?: AbortSignal;
  /** Told each time a lost connection is about to be retried. */
  onReconnect?: (info: { attempt: number; error: unknown; afterOffset: number }) => void;
  /** Also retry when the very first connection fails (runtimes do; a person at a terminal wants the error). */
  retryFirstConnection?: boolean;
  /** No byte for this long (not even a heartbeat) counts as a dead connection. Default 45 s (3 heartbeats). */
  idleTimeoutMs?: number;
}

const maxBackoffMs = 5_000;

/**
 * Reads a stream over Server-Sent Events as an async iterable of stored events.
 *
 * Guarantees:
 * 1. Events are yielded in offset order, each at most once per iteration, none skipped: the reader keeps
 *    the last offset it yielded and, when a connection drops (error, idle timeout, server restart, or a
 *    live response that ends), reconnects with `Last-Event-ID` set to it, after a backoff of 0.1 s doubling
 *    to 5 s. A finite read ends when the server ends the response cleanly; a live one only when aborted.
 * 2. `afterOffset: "end"` and `beforeOffset: "end"` are resolved to numbers once, before the first
 *    connection, so a reconnect resumes from the same place instead of jumping to a newer end.
 * 3. A 4xx answer (bad path, bad cursor) is thrown, never retried; so is a failed first connection unless
 *    `retryFirstConnection` is set.
 *
 * @example
 * for await (const event of readEventStream({ baseUrl: "http://127.0.0.1:4000", project: undefined }, { path: "/a", live: true })) {
 *   console.log(event.offset, event.type);
 * }
 */
export async function* readEventStream(endpoint: Endpoint, options: StreamOptions): AsyncGenerator<StoredEvent, void, undefined> {
  for await (const batch of readEventBatches(endpoint, options)) {
    for (const event of batch) {
      yield event;
      if (options.signal?.aborted) return;
    }
  }
}

/**
 * `readEventStream` an array at a time: the new events of each piece of the response as it arrives,
 * with the same guarantees and in the same order (never an empty array). A consumer that takes a batch
 * in one go saves the promise turns an async iterator costs per event, about a fifth of an SDK
 * runtime's CPU in a catch-up (packages/bench/README.md, "Where the time goes").
 *
 * @example
 * for await (const batch of readEventBatches({ baseUrl: "http://127.0.0.1:4000", project: undefined }, { path: "/a" })) {
 *   for (const event of batch) console.log(event.offset, event.type);
 * }
 */
export async function* readEventBatches(endpoint: Endpoint, options: StreamOptions): AsyncGenerator<StoredEvent[], void, undefined> {
  const { signal } = options;
  let after = await resolveCursor(endpoint, options.path, options.afterOffset, 0, signal);
  const before = options.beforeOffset === undefined ? undefined : await resolveCursor(endpoint, options.path, options.beforeOffset, 1, signal);
  const done = () => signal?.aborted || (before !== undefined && after + 1 >= before);
  let attempt = 0;
  let connected = false;

  while (!done()) {
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal?.addEventListener("abort", stop, { once: true });
    let failure: unknown;
    let fatal = false;
    try {
      const url = apiUrl(endpoint, "streams", options.path, {
        afterOffset: after,
        beforeOffset: before,
        live: options.live ? "true" : undefined,
        format: "sse",
      });
      let opened: Awaited<ReturnType<typeof openBody>>;
      try {
        const headers = { accept: "text/event-stream", ...projectHeaders(endpoint), ...(after > 0 ? { "last-event-id": String(after) } : {}) };
        opened = await openBody(url, headers, { signal: controller.signal, idleMs: options.idleTimeoutMs ?? 45_000 });
      } catch (error) {
        if (signal?.aborted) return;
        throw unreachable(endpoint, error);
      }
      if (opened.answer) {
        // A 4xx (bad path, bad cursor) will not fix itself; a 5xx may (a restarting server).
        fatal = opened.answer.status < 500;
        throw await errorFromResponse(opened.answer);
      }
      connected = true;
      const pending: StoredEvent[] = [];
      const parser = createSseParser((message) => pending.push(JSON.parse(message.data) as StoredEvent));
      const reader = opened.reader;
      controller.signal.addEventListener("abort", () => reader.close(), { once: true });
      const decoder = new TextDecoder();
      for (;;) {
        const piece = await reader.next();
        if (piece === undefined) break;
        parser.feed(decoder.decode(piece, { stream: true }));
        const fresh: StoredEvent[] = [];
        for (const event of pending) {
          if (event.offset <= after) continue;
          after = event.offset;
          attempt = 0;
          fresh.push(event);
          if (before !== undefined && after + 1 >= before) break;
        }
        pending.length = 0;
        if (fresh.length > 0) yield fresh;
        if (done()) return;
      }
      if (!options.live) return;
      failure = new Error("the server ended the live response");
    } catch (error) {
      if (signal?.aborted) return;
      if (fatal || (!connected && !options.retryFirstConnection)) throw error;
      failure = error;
    } finally {
      signal?.removeEventListener("abort", stop);
      controller.abort();
    }
    attempt += 1;
    options.onReconnect?.({ attempt, error: failure, afterOffset: after });
    const delay = Math.min(maxBackoffMs, 100 * 2 ** (attempt - 1));
    try {
      await sleep(delay * (0.8 + Math.random() * 0.4), undefined, { signal });
    } catch {
      return;
    }
  }
}

/** Turns a cursor into a number: `start` → 0 (or 1 for an upper bound), `end` → the current head. */
async function resolveCursor(endpoint: Endpoint, path: string, cursor: OffsetCursor | undefined, startValue: number, signal?: AbortSignal): Promise<number> {
  if (cursor === undefined || cursor === "start") return startValue === 0 ? 0 : 1;
  if (cursor !== "end") return cursor;
  const head = await readHead(endpoint, path, signal);
  return startValue === 0 ? head : head + 1;
}

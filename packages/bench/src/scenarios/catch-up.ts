import { request } from "node:http";
import { createHttpClient } from "../http-client.ts";
import { createMarkerScanner } from "../marker-scanner.ts";
import type { Progress } from "../progress.ts";
import type { Wire } from "../wire.ts";

/** The catch-up workload's event: about 220 bytes stored, like a small chat message. */
const filled = (i: number) => `{"type":"bench/filled","payload":{"i":${i},"note":"${"x".repeat(64)}"}}`;

/**
 * Creates the stream `name` and fills it to `count` events (the first one the stream's configuration),
 * in batches of 1,000 from 4 clients; with `timeoutMs`, gives up with a `FillTooSlowError` past it.
 *
 * @example
 * await fillStream(url, tributaryWire, { name: "/bench/catch-up", count: 200_000, progress });
 */
export async function fillStream(baseUrl: string, wire: Wire, options: { name: string; count: number; progress: Progress; timeoutMs?: number }): Promise<void> {
  const http = createHttpClient(baseUrl, { connections: 4 });
  await wire.create(http, options.name);
  let next = 1;
  const started = performance.now();
  const worker = async () => {
    while (next < options.count) {
      const elapsed = performance.now() - started;
      if (options.timeoutMs !== undefined && elapsed > options.timeoutMs) {
        throw new FillTooSlowError(
          `filling took longer than ${Math.round(options.timeoutMs / 1000)} s (${Math.round((next * 1000) / elapsed).toLocaleString("en-US")} events/s)`,
        );
      }
      const size = Math.min(1000, options.count - next);
      const first = next;
      next += size;
      await wire.appendBatch(
        http,
        options.name,
        Array.from({ length: size }, (_, k) => filled(first + k)),
      );
      options.progress.tick(`filled ${Math.min(next, options.count).toLocaleString("en-US")} / ${options.count.toLocaleString("en-US")} events`);
    }
  };
  try {
    await Promise.all(Array.from({ length: 4 }, worker));
  } finally {
    http.close();
  }
}

/** A server too slow to fill the catch-up stream in the time the run gives it. */
export class FillTooSlowError extends Error {}

/**
 * Reads the whole stream over SSE from its start and counts the events as they arrive (their `"i":`
 * markers; nothing is parsed) until all `count - 1` filled events are in: the figure is the server's
 * rate, not a parser's. Resolves with events per second.
 *
 * @example
 * const rate = await readSseCatchUp(url, tributaryWire, { name: "/bench/catch-up", count: 200_000 });
 */
export function readSseCatchUp(baseUrl: string, wire: Wire, options: { name: string; count: number }): Promise<number> {
  const url = new URL(baseUrl);
  const expected = options.count - 1;
  const started = performance.now();
  return new Promise<number>((resolve, reject) => {
    let seen = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      req.destroy();
      if (seen < expected) reject(new Error(`SSE catch-up read ${seen} events; the stream holds ${expected}`));
      else resolve(expected / ((performance.now() - started) / 1000));
    };
    const scan = createMarkerScanner("i", () => {
      seen += 1;
      if (seen === expected) finish();
    });
    const req = request(
      { host: url.hostname, port: url.port, path: wire.catchUpSsePath(options.name), agent: false, headers: { accept: "text/event-stream" } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE catch-up answered ${res.statusCode}`));
        res.on("data", scan);
        res.on("end", finish);
      },
    );
    req.on("error", (error) => {
      if (!done) reject(error);
    });
    req.end();
  });
}

/**
 * Reads the whole stream as JSON pages (each server's largest), one after the other on one keep-alive
 * connection. Resolves with events per second.
 *
 * @example
 * const rate = await readJsonCatchUp(url, tributaryWire, { name: "/bench/catch-up", count: 200_000 });
 */
export async function readJsonCatchUp(
  baseUrl: string,
  wire: Wire,
  options: { name: string; count: number },
): Promise<{ eventsPerSecond: number; pages: number }> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  try {
    const started = performance.now();
    const { events, pages } = await wire.readJsonPages(http, options.name);
    if (events !== undefined && events !== options.count) throw new Error(`JSON catch-up read ${events} events; the stream holds ${options.count}`);
    return { eventsPerSecond: options.count / ((performance.now() - started) / 1000), pages };
  } finally {
    http.close();
  }
}

import { request } from "node:http";
import { createBenchStream } from "../bench-stream.ts";
import { createHttpClient, expectAppended } from "../http-client.ts";
import type { Progress } from "../progress.ts";

export interface CatchUpResult {
  eventsPerSecond: number;
  /** Every run's rate; the reported figure is their median. */
  runs: number[];
  events: number;
  megabytesPerSecond: number;
  /** Bytes on the wire per event (frame or JSON, without HTTP framing). */
  bytesPerEvent: number;
}

/**
 * Fills a stream with `count` events, in batches of 1,000 from 4 clients.
 *
 * @example
 * await fillStream(url, { stream: "/bench/catch-up", count: 200_000, progress });
 */
export async function fillStream(baseUrl: string, options: { stream: string; count: number; progress: Progress }): Promise<void> {
  const http = createHttpClient(baseUrl, { connections: 4 });
  const path = `/api/streams${options.stream}`;
  const note = "x".repeat(64);
  await createBenchStream(http, path);
  // The configuration event is the stream's first; the rest of the `count` events follow it.
  let next = 1;
  const worker = async () => {
    while (next < options.count) {
      const size = Math.min(1000, options.count - next);
      const first = next;
      next += size;
      const events = Array.from({ length: size }, (_, k) => `{"type":"bench/filled","payload":{"i":${first + k},"note":"${note}"}}`);
      expectAppended(await http.post(path, `{"events":[${events.join(",")}]}`));
      options.progress.tick(`filled ${Math.min(next, options.count).toLocaleString("en-US")} / ${options.count.toLocaleString("en-US")} events`);
    }
  };
  try {
    await Promise.all(Array.from({ length: 4 }, worker));
  } finally {
    http.close();
  }
}

/**
 * Reads the whole stream over SSE (finite, not live) and counts the frames as they arrive, without
 * parsing the events: the figure is the server's rate, not a JSON parser's.
 *
 * @example
 * const { eventsPerSecond } = await measureSseCatchUp(url, { stream: "/bench/catch-up", count: 200_000, runs: 3, progress });
 */
export async function measureSseCatchUp(
  baseUrl: string,
  options: { stream: string; count: number; runs: number; progress: Progress },
): Promise<CatchUpResult> {
  return repeat(options, async () => {
    const url = new URL(baseUrl);
    return new Promise<{ events: number; bytes: number }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: `/api/streams${options.stream}`, agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE catch-up answered ${res.statusCode}`));
        let events = 0;
        let bytes = 0;
        let previousEndedWithNewline = false;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          // Each frame ends with a blank line; count "\n\n", including one split across chunks.
          if (previousEndedWithNewline && chunk[0] === 10) events += 1;
          for (let at = chunk.indexOf("\n\n"); at >= 0; at = chunk.indexOf("\n\n", at + 2)) events += 1;
          previousEndedWithNewline = chunk[chunk.length - 1] === 10 && chunk[chunk.length - 2] !== 10;
        });
        res.on("end", () => resolve({ events, bytes }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  });
}

/**
 * Reads the whole stream as `format=json` pages of 10,000 events (the largest page), following
 * `nextAfterOffset`. Only the page's trailer is parsed, for the same reason as above.
 *
 * @example
 * const { eventsPerSecond } = await measureJsonCatchUp(url, { stream: "/bench/catch-up", count: 200_000, runs: 3, progress });
 */
export async function measureJsonCatchUp(
  baseUrl: string,
  options: { stream: string; count: number; runs: number; progress: Progress },
): Promise<CatchUpResult> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  try {
    return await repeat(options, async () => {
      let after = 0;
      let bytes = 0;
      for (;;) {
        const response = await http.get(`/api/streams${options.stream}?format=json&limit=10000&afterOffset=${after}`);
        if (response.status !== 200) throw new Error(`JSON catch-up answered ${response.status}: ${response.body.slice(0, 200)}`);
        bytes += response.body.length;
        const trailer = /"nextAfterOffset":(\d+),"hasMore":(true|false)/.exec(response.body.slice(-200));
        if (!trailer) throw new Error("a JSON page had no nextAfterOffset/hasMore trailer");
        after = Number(trailer[1]);
        if (trailer[2] === "false") return { events: after, bytes };
      }
    });
  } finally {
    http.close();
  }
}

async function repeat(
  options: { count: number; runs: number; progress: Progress },
  readAll: () => Promise<{ events: number; bytes: number }>,
): Promise<CatchUpResult> {
  const runs: number[] = [];
  let megabytesPerSecond = 0;
  let bytesPerEvent = 0;
  for (let run = 0; run < options.runs; run++) {
    const started = performance.now();
    const { events, bytes } = await readAll();
    const seconds = (performance.now() - started) / 1000;
    if (events !== options.count) throw new Error(`catch-up read ${events} events; the stream holds ${options.count}`);
    runs.push(events / seconds);
    megabytesPerSecond = Math.max(megabytesPerSecond, bytes / 2 ** 20 / seconds);
    bytesPerEvent = bytes / events;
    options.progress.tick(`run ${run + 1}/${options.runs}: ${Math.round(events / seconds).toLocaleString("en-US")} events/s`);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { eventsPerSecond: sorted[Math.floor(sorted.length / 2)]!, runs, events: options.count, megabytesPerSecond, bytesPerEvent };
}

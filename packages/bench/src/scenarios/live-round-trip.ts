import { request } from "node:http";
import { withDeadline } from "../deadline.ts";
import { createHttpClient } from "../http-client.ts";
import { createMarkerScanner } from "../marker-scanner.ts";
import type { Progress } from "../progress.ts";
import { summarize, type LatencySummary } from "../stats.ts";
import type { Wire } from "../wire.ts";

/**
 * Append → live reader round trip: one live SSE reader on a stream, one client appending sequentially;
 * each sample is the time from sending an append to the reader receiving that event (found by the
 * `"rt":<i>` its payload carries). The next append is sent once the reader has the event and the append
 * was acknowledged.
 *
 * @example
 * const latency = await measureLiveRoundTrip(url, tributaryWire, { count: 2000, warmup: 200, name: "/bench/live", progress });
 */
export async function measureLiveRoundTrip(
  baseUrl: string,
  wire: Wire,
  options: { count: number; warmup: number; name: string; progress: Progress },
): Promise<LatencySummary> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  await wire.create(http, options.name);
  // The reader may see an event before its append is acknowledged, so arrivals are kept by number.
  const arrivals = new Map<number, number>();
  let waiting: { i: number; resolve: (receivedAt: number) => void } | undefined;
  const scan = createMarkerScanner("rt", (i) => {
    const receivedAt = performance.now();
    if (waiting?.i === i) waiting.resolve(receivedAt);
    else arrivals.set(i, receivedAt);
  });
  const url = new URL(baseUrl);
  const reader = await new Promise<{ close(): void }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: wire.livePath(options.name), agent: false, headers: { accept: "text/event-stream" } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`the live read answered ${res.statusCode}`));
        res.on("data", scan);
        resolve({ close: () => req.destroy() });
      },
    );
    req.on("error", reject);
    req.end();
  });
  const samples = new Float64Array(options.count);
  const total = options.warmup + options.count;
  try {
    for (let i = 0; i < total; i++) {
      const sent = performance.now();
      await wire.append(http, options.name, `{"type":"bench/appended","payload":{"rt":${i}}}`);
      const receivedAt =
        arrivals.get(i) ??
        (await withDeadline(new Promise<number>((resolve) => (waiting = { i, resolve })), 10_000, `the live reader did not receive event ${i} within 10 s`));
      arrivals.delete(i);
      waiting = undefined;
      if (i >= options.warmup) samples[i - options.warmup] = receivedAt - sent;
      if (i % 250 === 0) options.progress.tick(`${i.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} round trips`);
    }
  } finally {
    reader.close();
    http.close();
  }
  return summarize(samples);
}

import { createBenchStream } from "../bench-stream.ts";
import { createHttpClient, expectAppended } from "../http-client.ts";
import type { Progress } from "../progress.ts";
import { withDeadline } from "../deadline.ts";
import { createFrameScanner, openSse } from "../sse-reader.ts";
import { summarize, type LatencySummary } from "../stats.ts";

/**
 * Append → live reader round trip: one live SSE reader on a stream, one client appending sequentially;
 * each sample is the time from sending an append to the reader receiving that event. The next append
 * is sent once both the reader has the event and the append was acknowledged.
 *
 * @example
 * const latency = await measureLiveRoundTrip(url, { count: 2000, warmup: 200, stream: "/bench/live", progress });
 */
export async function measureLiveRoundTrip(
  baseUrl: string,
  options: { count: number; warmup: number; stream: string; progress: Progress },
): Promise<LatencySummary> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  const path = `/api/streams${options.stream}`;
  await createBenchStream(http, path);
  // The reader usually sees an event before its append is acknowledged (fan-out happens at commit),
  // so arrivals are recorded by offset and looked up once the append's answer names the offset.
  const arrivals = new Map<number, number>();
  let waiting: { offset: number; resolve: (receivedAt: number) => void } | undefined;
  const sse = await openSse(
    baseUrl,
    `${path}?live=true&afterOffset=end`,
    createFrameScanner((offset) => {
      const receivedAt = performance.now();
      if (waiting?.offset === offset) waiting.resolve(receivedAt);
      else arrivals.set(offset, receivedAt);
    }),
  );
  const samples = new Float64Array(options.count);
  const total = options.warmup + options.count;
  try {
    for (let i = 0; i < total; i++) {
      const sent = performance.now();
      const response = await http.post(path, `{"type":"bench/appended","payload":{"i":${i}}}`);
      expectAppended(response);
      const offset = (JSON.parse(response.body) as { offset: number }).offset;
      const receivedAt =
        arrivals.get(offset) ??
        (await withDeadline(
          new Promise<number>((resolve) => (waiting = { offset, resolve })),
          10_000,
          `the live reader did not receive offset ${offset} within 10 s`,
        ));
      arrivals.delete(offset);
      waiting = undefined;
      if (i >= options.warmup) samples[i - options.warmup] = receivedAt - sent;
      if (i % 250 === 0) options.progress.tick(`${i.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} round trips`);
    }
  } finally {
    sse.close();
    http.close();
  }
  return summarize(samples);
}

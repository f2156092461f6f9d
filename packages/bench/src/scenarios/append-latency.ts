import { createBenchStream } from "../bench-stream.ts";
import { createHttpClient, expectAppended } from "../http-client.ts";
import type { Progress } from "../progress.ts";
import { summarize, type LatencySummary } from "../stats.ts";

/**
 * Sequential appends from one client over one keep-alive connection: each append is sent when the
 * previous one was acknowledged, so the latency is the whole round trip of one durable append.
 *
 * @example
 * const latency = await measureAppendLatency(server.url, { count: 5000, warmup: 500, progress });
 */
export async function measureAppendLatency(
  baseUrl: string,
  options: { count: number; warmup: number; path: string; progress: Progress },
): Promise<LatencySummary> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  const samples = new Float64Array(options.count);
  try {
    await createBenchStream(http, options.path);
    for (let i = 0; i < options.warmup + options.count; i++) {
      const body = `{"type":"bench/appended","payload":{"i":${i}}}`;
      const started = performance.now();
      expectAppended(await http.post(options.path, body));
      if (i >= options.warmup) samples[i - options.warmup] = performance.now() - started;
      if (i % 500 === 0) options.progress.tick(`${i.toLocaleString("en-US")} / ${(options.warmup + options.count).toLocaleString("en-US")} appends`);
    }
  } finally {
    http.close();
  }
  return summarize(samples);
}

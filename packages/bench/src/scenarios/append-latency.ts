import { createHttpClient } from "../http-client.ts";
import type { Progress } from "../progress.ts";
import { summarize, type LatencySummary } from "../stats.ts";
import type { Wire } from "../wire.ts";

/**
 * Sequential appends from one client over one keep-alive connection: each append is sent when the
 * previous one was acknowledged, so the latency is the whole round trip of one acknowledged append.
 *
 * @example
 * const latency = await measureAppendLatency(url, tributaryWire, { count: 5000, warmup: 500, name: "/bench/seq", progress });
 */
export async function measureAppendLatency(
  baseUrl: string,
  wire: Wire,
  options: { count: number; warmup: number; name: string; progress: Progress },
): Promise<LatencySummary> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  const samples = new Float64Array(options.count);
  try {
    await wire.create(http, options.name);
    for (let i = 0; i < options.warmup + options.count; i++) {
      const started = performance.now();
      await wire.append(http, options.name, `{"type":"bench/appended","payload":{"i":${i}}}`);
      if (i >= options.warmup) samples[i - options.warmup] = performance.now() - started;
      if (i % 500 === 0) options.progress.tick(`${i.toLocaleString("en-US")} / ${(options.warmup + options.count).toLocaleString("en-US")} appends`);
    }
  } finally {
    http.close();
  }
  return summarize(samples);
}

import { benchStreamConfiguration } from "../bench-stream.ts";
import { createHttpClient, type HttpClient, type HttpResponse } from "../http-client.ts";
import type { Progress } from "../progress.ts";
import { summarize, type LatencySummary } from "../stats.ts";

/**
 * The same workloads through the Durable Streams protocol, against any server that speaks it (Tributary's
 * `/v1/stream` face or the reference server), so the two can be put side by side. Streams are JSON
 * streams; their first message is the circuit-breaker configuration every bench stream carries (on the
 * reference server it is just a message).
 */
async function createDsStream(http: HttpClient, path: string): Promise<void> {
  const response = await http.put(path, `[${benchStreamConfiguration}]`);
  if (response.status !== 201 && response.status !== 200) throw new Error(`PUT ${path} answered ${response.status}: ${response.body.slice(0, 300)}`);
}

function expectDsAppended(response: HttpResponse): void {
  if (response.status !== 204 && response.status !== 200) throw new Error(`DS append answered ${response.status}: ${response.body.slice(0, 300)}`);
}

/** Sequential appends from one client, each sent when the previous one was acknowledged. */
export async function measureDsAppendLatency(baseUrl: string, options: { count: number; warmup: number; path: string; progress: Progress }): Promise<LatencySummary> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  const samples = new Float64Array(options.count);
  try {
    await createDsStream(http, options.path);
    for (let i = 0; i < options.warmup + options.count; i++) {
      const started = performance.now();
      expectDsAppended(await http.post(options.path, `{"type":"bench/appended","payload":{"i":${i}}}`));
      if (i >= options.warmup) samples[i - options.warmup] = performance.now() - started;
      if (i % 500 === 0) options.progress.tick(`${i.toLocaleString("en-US")} / ${(options.warmup + options.count).toLocaleString("en-US")} DS appends`);
    }
  } finally {
    http.close();
  }
  return summarize(samples);
}

/** Closed-loop load on one stream: `clients` connections, each appending as soon as its previous append was acknowledged. */
export async function measureDsConcurrent(
  baseUrl: string,
  options: { clients: number; durationMs: number; warmupMs: number; path: string; progress: Progress },
): Promise<{ appendsPerSecond: number; latency: LatencySummary; appends: number }> {
  const http = createHttpClient(baseUrl, { connections: options.clients });
  const samples: number[] = [];
  try {
    await createDsStream(http, options.path);
    const warmupEnds = performance.now() + options.warmupMs;
    const ends = warmupEnds + options.durationMs;
    let i = 0;
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (performance.now() < ends) {
          const started = performance.now();
          expectDsAppended(await http.post(options.path, `{"type":"bench/appended","payload":{"i":${i++}}}`));
          if (started >= warmupEnds) samples.push(performance.now() - started);
        }
      }),
    );
  } finally {
    http.close();
  }
  return { appendsPerSecond: samples.length / (options.durationMs / 1000), latency: summarize(Float64Array.from(samples)), appends: samples.length };
}

/**
 * Fills a stream in appends of 1,000 messages, then reads it from the start following
 * `Stream-Next-Offset` until `Stream-Up-To-Date` (catch-up pages as each server sizes them); the median of
 * `runs` reads, in messages per second. Only the page count is checked, not the messages parsed.
 */
export async function measureDsCatchUp(
  baseUrl: string,
  options: { count: number; runs: number; path: string; progress: Progress },
): Promise<{ eventsPerSecond: number; runs: number[]; pagesPerRead: number }> {
  const http = createHttpClient(baseUrl, { connections: 1 });
  try {
    await createDsStream(http, options.path);
    const message = '{"type":"bench/appended","payload":{"text":"a catch-up event of about a hundred bytes, like a small chat message"}}';
    for (let filled = 1; filled < options.count; filled += 1000) {
      const size = Math.min(1000, options.count - filled);
      expectDsAppended(await http.post(options.path, `[${Array.from({ length: size }, () => message).join(",")}]`));
      if (filled % 20_000 < 1000) options.progress.tick(`filled ${filled.toLocaleString("en-US")} / ${options.count.toLocaleString("en-US")}`);
    }
    const runs: number[] = [];
    let pagesPerRead = 0;
    for (let run = 0; run < options.runs; run++) {
      const started = performance.now();
      let offset = "-1";
      let pages = 0;
      for (;;) {
        const response = await http.get(`${options.path}?offset=${offset}`);
        if (response.status !== 200) throw new Error(`DS read answered ${response.status}: ${response.body.slice(0, 300)}`);
        pages += 1;
        offset = String(response.headers["stream-next-offset"]);
        if (response.headers["stream-up-to-date"] === "true") break;
      }
      runs.push(options.count / ((performance.now() - started) / 1000));
      pagesPerRead = pages;
      options.progress.tick(`read ${run + 1} / ${options.runs}`);
    }
    const sorted = [...runs].sort((a, b) => a - b);
    return { eventsPerSecond: sorted[Math.floor(sorted.length / 2)]!, runs, pagesPerRead };
  } finally {
    http.close();
  }
}

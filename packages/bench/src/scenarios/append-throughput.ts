import { createHttpClient } from "../http-client.ts";
import type { Progress } from "../progress.ts";
import { summarize, type LatencySummary } from "../stats.ts";
import type { Wire } from "../wire.ts";

export interface ThroughputResult {
  /** Requests acknowledged per second. */
  requestsPerSecond: number;
  /** Events acknowledged per second (requests × events per request). */
  eventsPerSecond: number;
  /** Latency of each request while under this load. */
  latency: LatencySummary;
  requests: number;
}

/**
 * Closed-loop load on ONE stream: `clients` connections, each sending its next append as soon as the
 * previous one is acknowledged, for `durationMs` after a warm-up. With `batchSize` > 1 each request is a
 * `{events:[…]}` batch.
 *
 * @example
 * const result = await measureAppendThroughput(url, tributaryWire, { clients: 32, batchSize: 1, durationMs: 5000, warmupMs: 1000, name: "/bench/t", progress });
 */
export async function measureAppendThroughput(
  baseUrl: string,
  wire: Wire,
  options: {
    clients: number;
    batchSize: number;
    durationMs: number;
    warmupMs: number;
    /** The stream's name (a path like `/bench/x`). */
    name: string;
    /** Give each client its own stream below `name` instead of sharing it (a diagnostic). */
    streamPerClient?: boolean;
    progress: Progress;
  },
): Promise<ThroughputResult> {
  const http = createHttpClient(baseUrl, { connections: options.clients });
  const nameOf = (client: number) => (options.streamPerClient ? `${options.name}/client-${client}` : options.name);
  for (const name of new Set(Array.from({ length: options.clients }, (_, client) => nameOf(client)))) await wire.create(http, name);
  const send = (client: number, i: number) => {
    if (options.batchSize === 1) return wire.append(http, nameOf(client), `{"type":"bench/appended","payload":{"client":${client},"i":${i}}}`);
    const events: string[] = [];
    for (let k = 0; k < options.batchSize; k++) events.push(`{"type":"bench/appended","payload":{"client":${client},"i":${i},"k":${k}}}`);
    return wire.appendBatch(http, nameOf(client), events);
  };
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  const latencies: number[] = [];
  let requests = 0;
  const ticker = setInterval(() => {
    const elapsed = performance.now() - measureFrom;
    if (elapsed > 0) options.progress.tick(`${Math.round((requests * options.batchSize) / (elapsed / 1000)).toLocaleString("en-US")} events/s so far`);
  }, 500);

  async function client(id: number): Promise<void> {
    for (let i = 0; ; i++) {
      const sent = performance.now();
      if (sent >= stopAt) return;
      await send(id, i);
      const acknowledged = performance.now();
      // Only requests sent and acknowledged inside the window count, so warm-up and tail do not skew it.
      if (sent >= measureFrom && acknowledged <= stopAt) {
        requests += 1;
        latencies.push(acknowledged - sent);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: options.clients }, (_, id) => client(id)));
  } finally {
    clearInterval(ticker);
    http.close();
  }
  const seconds = options.durationMs / 1000;
  return {
    requestsPerSecond: requests / seconds,
    eventsPerSecond: (requests * options.batchSize) / seconds,
    latency: summarize(latencies),
    requests,
  };
}

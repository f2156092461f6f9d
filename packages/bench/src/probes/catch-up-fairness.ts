/**
 * Probe (not part of `npm run bench`): does a large catch-up read starve the server's other clients?
 * Fills a stream, then reads it whole over SSE, then as JSON pages, while another client pings
 * `/api/health` every 5 ms; prints the pings' latency during each read. A writer that never yields
 * between pages while the socket keeps accepting data (loopback) blocks the event loop for the whole
 * read. The pinger shares this process with the reader, so a busy reader delays the pings too.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/catch-up-fairness.ts [events=200000]
 */
import { createHttpClient } from "../http-client.ts";
import { createProgress } from "../progress.ts";
import { fillStream, readJsonCatchUp, readSseCatchUp } from "../scenarios/catch-up.ts";
import { startServerProcess } from "../server-process.ts";
import { summarize } from "../stats.ts";
import { tributaryWire } from "../wire.ts";

const count = Number(process.argv[2] ?? 200_000);
const progress = createProgress(1);
const server = await startServerProcess({ fsync: "normal" });
try {
  await fillStream(server.url, tributaryWire, { name: "/probe/catch-up", count, progress });
  const reads: [string, () => Promise<number>][] = [
    ["SSE", () => readSseCatchUp(server.url, tributaryWire, { name: "/probe/catch-up", count })],
    ["JSON pages of 10,000", async () => (await readJsonCatchUp(server.url, tributaryWire, { name: "/probe/catch-up", count })).eventsPerSecond],
  ];
  for (const [name, read] of reads) {
    const http = createHttpClient(server.url, { connections: 1 });
    const pings: number[] = [];
    let reading = true;
    const pinger = (async () => {
      while (reading) {
        const started = performance.now();
        await http.get("/api/health");
        pings.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const eventsPerSecond = await read();
    reading = false;
    await pinger;
    http.close();
    const latency = summarize(pings);
    console.log(
      `${name} catch-up of ${count.toLocaleString("en-US")} events at ${Math.round(eventsPerSecond).toLocaleString("en-US")} events/s; ` +
        `${latency.count} health pings meanwhile: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms`,
    );
  }
} finally {
  await server.close();
}

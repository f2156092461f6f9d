/**
 * Probe (not part of `npm run bench`): 32 concurrent clients appending to one stream against the real
 * server and against stripped-down variants of its append endpoint (append-floor-server.ts), with the
 * server process's CPU time per append. Tells where the real server's per-append cost goes.
 *
 * Each variant runs `rounds` times, interleaved; the summary keeps each variant's best round (least
 * CPU per append, most appends/s): on a shared machine other processes only ever make figures worse.
 *
 * Usage: node packages/bench/src/probes/append-floor.ts [seconds=3] [variants=raw,hono,hono-bodylimit,raw-store,hono-store,server] [rounds=3]
 */
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { measureAppendThroughput } from "../scenarios/append-throughput.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const seconds = Number(process.argv[2] ?? 3);
const variants = (process.argv[3] ?? "raw,hono,hono-bodylimit,raw-store,hono-store,server").split(",");
const rounds = Number(process.argv[4] ?? 3);
const script = fileURLToPath(new URL("./append-floor-server.ts", import.meta.url));
const progress = createProgress(variants.length * rounds);
const best = new Map<string, { perSecond: number; cpuMicros: number }>();

for (let round = 0; round < rounds; round++)
  for (const variant of variants) {
    const server = await startServerProcess({
      fsync: "normal",
      ...(variant === "server" ? {} : { script, env: { BENCH_VARIANT: variant } }),
    });
    progress.step(variant);
    await server.stats();
    const result = await measureAppendThroughput(server.url, tributaryWire, {
      clients: 32,
      batchSize: 1,
      durationMs: seconds * 1000,
      warmupMs: 500,
      name: "/probe/one",
      progress,
    });
    const stats = await server.stats();
    const cpuMs = stats.cpuUserMs + stats.cpuSystemMs;
    // CPU per append over the whole interval, warm-up included (the requests counted are the measured window's).
    const requests = result.requests * ((seconds * 1000 + 500) / (seconds * 1000));
    const cpuMicros = (cpuMs * 1000) / requests;
    progress.done(
      `${Math.round(result.requestsPerSecond).toLocaleString("en-US")} appends/s, p50 ${result.latency.p50.toFixed(2)} ms; server ${((100 * cpuMs) / stats.wallMs).toFixed(0)}% of a core, ~${Math.round(cpuMicros)} µs CPU per append`,
    );
    const previous = best.get(variant);
    best.set(variant, {
      perSecond: Math.max(previous?.perSecond ?? 0, result.requestsPerSecond),
      cpuMicros: Math.min(previous?.cpuMicros ?? Number.POSITIVE_INFINITY, cpuMicros),
    });
    await server.close();
  }
console.log(`\nbest of ${rounds} round(s), 32 clients on one stream:`);
for (const [variant, figures] of best) {
  console.log(
    `  ${variant.padEnd(16)} ${Math.round(figures.perSecond).toLocaleString("en-US").padStart(7)} appends/s  ${Math.round(figures.cpuMicros).toString().padStart(4)} µs server CPU per append`,
  );
}

/**
 * Probe (not part of `npm run bench`): one client appending one event at a time (the bench's sequential
 * workload) against stripped-down servers and the real one, in turn, `rounds` times: bare `node:http`
 * (`raw`, stores nothing), `node:http` + the SQLite store (`raw-store`: the durable commit and nothing
 * else of ours), and the server. Prints each one's p50 and the server process's CPU per append, so the
 * sequential ratio to the floor splits into the commit's share and the rest.
 *
 * With PROFILE_DIR set, each server writes a V8 CPU profile there.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/append-seq-layers.ts [rounds=3] [variants=raw,raw-store,server]
 */
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { measureAppendLatency } from "../scenarios/append-latency.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const rounds = Number(process.argv[2] ?? 3);
const variants = (process.argv[3] ?? "raw,raw-store,server").split(",");
const script = fileURLToPath(new URL("./append-floor-server.ts", import.meta.url));
const progress = createProgress(rounds * variants.length);
const results = new Map<string, { p50: number; cpu: number }[]>();
let streams = 0;
for (let round = 0; round < rounds; round++) {
  for (const variant of round % 2 ? [...variants].reverse() : variants) {
    const server = await startServerProcess({
      fsync: "normal",
      cpuProfileDir: process.env.PROFILE_DIR,
      ...(variant === "server" ? {} : { script, env: { BENCH_VARIANT: variant } }),
    });
    try {
      progress.step(`${variant}, round ${round + 1}`);
      const stream = `/probe/seq-${++streams}`;
      await measureAppendLatency(server.url, tributaryWire, { count: 1000, warmup: 0, name: `${stream}-warm`, progress });
      await server.stats();
      const count = 3000;
      const latency = await measureAppendLatency(server.url, tributaryWire, { count, warmup: 0, name: stream, progress });
      const stats = await server.stats();
      const cpu = ((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / count;
      results.set(variant, [...(results.get(variant) ?? []), { p50: latency.p50, cpu }]);
      progress.done(`${variant}: p50 ${latency.p50.toFixed(3)} ms; ${Math.round(cpu)} µs server CPU per append`);
    } finally {
      await server.close();
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`\nmedians of ${rounds} round(s), one client:`);
for (const [variant, runs] of results) {
  console.log(
    `  ${variant.padEnd(10)} p50 ${median(runs.map((run) => run.p50)).toFixed(3)} ms  ${Math.round(median(runs.map((run) => run.cpu)))} µs server CPU per append`,
  );
}

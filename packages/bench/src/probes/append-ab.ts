/**
 * Probe (not part of `npm run bench`): the append workloads before and after a server change, in the
 * same run. Runs the bench's sequential appends (one client), 32 concurrent clients and batches of 100
 * (4 clients) against two Tributary server scripts in turn, A B A B: the `server-child.ts` of another
 * checkout (the "before", e.g. main's) and this one's. Prints each run's figure with the server
 * process's CPU time per append (per event for batches), which holds better than wall times on a
 * shared machine; the summary keeps each side's median.
 *
 * AB_SECONDS sets the throughput workloads' measured seconds (default 3). With PROFILE_DIR set, each server writes a V8 CPU profile there (summarise with profile-summary.ts).
 *
 * Usage: node packages/bench/src/probes/append-ab.ts <other checkout> [rounds=3] [workloads=seq,c32,batch]
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { measureAppendLatency } from "../scenarios/append-latency.ts";
import { measureAppendThroughput } from "../scenarios/append-throughput.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const [other, rounds = "3", workloads = "seq,c32,batch"] = process.argv.slice(2);
if (!other) throw new Error("usage: append-ab.ts <other checkout> [rounds] [workloads=seq,c32,batch]");
const scripts = {
  before: resolve(other, "packages/bench/src/server-child.ts"),
  after: fileURLToPath(new URL("../server-child.ts", import.meta.url)),
};
const chosen = workloads.split(",");
// The measured seconds of the throughput workloads (AB_SECONDS, default 3).
const seconds = Number(process.env.AB_SECONDS ?? 3);
const progress = createProgress(Number(rounds) * 2 * chosen.length);
const results = new Map<string, { figure: number; cpu: number }[]>();
const record = (key: string, figure: number, cpu: number) => results.set(key, [...(results.get(key) ?? []), { figure, cpu }]);
let streams = 0;

for (let round = 0; round < Number(rounds); round++) {
  for (const [name, script] of Object.entries(scripts)) {
    const server = await startServerProcess({ fsync: "normal", script, cpuProfileDir: process.env.PROFILE_DIR });
    try {
      for (const workload of chosen) {
        progress.step(`${name} ${workload}, round ${round + 1}`);
        await server.stats();
        const stream = `/probe/ab-${++streams}`;
        if (workload === "seq") {
          const count = 3000;
          // A warm-up run first, so the CPU counted is the steady state's (not the JIT's).
          await measureAppendLatency(server.url, tributaryWire, { count: 1000, warmup: 0, name: `${stream}-warm`, progress });
          await server.stats();
          const latency = await measureAppendLatency(server.url, tributaryWire, { count, warmup: 0, name: stream, progress });
          const stats = await server.stats();
          const cpu = ((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / count;
          record(`${workload} ${name}`, latency.p50, cpu);
          progress.done(`${name} seq: p50 ${latency.p50.toFixed(3)} ms, p90 ${latency.p90.toFixed(3)} ms; ${Math.round(cpu)} µs server CPU per append`);
        } else {
          const batchSize = workload === "batch" ? 100 : 1;
          const result = await measureAppendThroughput(server.url, tributaryWire, {
            clients: workload === "batch" ? 4 : 32,
            batchSize,
            durationMs: seconds * 1000,
            warmupMs: 500,
            name: stream,
            progress,
          });
          const stats = await server.stats();
          const events = result.requests * batchSize * ((seconds * 1000 + 500) / (seconds * 1000));
          const cpu = ((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / events;
          record(`${workload} ${name}`, result.eventsPerSecond, cpu);
          progress.done(
            `${name} ${workload}: ${Math.round(result.eventsPerSecond).toLocaleString("en-US")} events/s; ${cpu.toFixed(1)} µs server CPU per event`,
          );
        }
      }
    } finally {
      await server.close();
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`\nmedians of ${rounds} round(s):`);
for (const [key, runs] of results) {
  const figure = median(runs.map((run) => run.figure));
  const unit = key.startsWith("seq") ? `p50 ${figure.toFixed(3)} ms` : `${Math.round(figure).toLocaleString("en-US")} events/s`;
  console.log(`  ${key.padEnd(14)} ${unit.padStart(18)}  ${median(runs.map((run) => run.cpu)).toFixed(1)} µs server CPU per event`);
}

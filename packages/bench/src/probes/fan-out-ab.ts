/**
 * Probe (not part of `npm run bench`): fan-out before and after a server change, in the same run. Runs
 * the bench's fan-out workload (1,000 live readers at 500 events/s) against two Tributary server
 * scripts in turn, A B, B A, …: the `server-child.ts` of another checkout (the "before", e.g. main's) and
 * this one's. Each server and the readers are pinned as in the bench. `floor` instead of a checkout runs
 * the HTTP floor (`floor-child.ts`) as the "before", the server the fan-out target is a ratio to.
 * With `PROFILE_DIR` set, each server writes a V8 CPU profile there (`profile-summary.ts` reads it).
 *
 * Usage: node packages/bench/src/probes/fan-out-ab.ts <other checkout | floor> [rounds=3] [readers=1000] [seconds=6] [rate=500]
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { measureFanOut } from "../scenarios/fan-out.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const [other, rounds = "3", readers = "1000", seconds = "6", rate = "500"] = process.argv.slice(2);
if (!other) throw new Error("usage: fan-out-ab.ts <other checkout> [rounds] [readers] [seconds]");
const scripts = {
  before: other === "floor" ? fileURLToPath(new URL("../floor-child.ts", import.meta.url)) : resolve(other, "packages/bench/src/server-child.ts"),
  after: fileURLToPath(new URL("../server-child.ts", import.meta.url)),
};
const progress = createProgress(Number(rounds) * 2);
for (let round = 0; round < Number(rounds); round++) {
  // Rounds alternate which server goes first (A B, B A, …).
  const entries = Object.entries(scripts);
  for (const [name, script] of round % 2 === 0 ? entries : entries.reverse()) {
    const server = await startServerProcess({ fsync: "normal", script, cpuProfileDir: process.env.PROFILE_DIR });
    try {
      progress.step(`${name}, round ${round + 1}`);
      await server.stats();
      const result = await measureFanOut(server.url, tributaryWire, {
        readers: Number(readers),
        rate: Number(rate),
        durationMs: Number(seconds) * 1000,
        name: "/probe/fan-out",
        progress,
        serverPid: server.pid,
        // The server's figures below cover the appending and its deliveries, not the readers' connecting.
        onConnected: () => server.stats(),
      });
      const stats = await server.stats();
      progress.done(
        `${name}: p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, ${Math.round(result.achievedRate)} events/s achieved, server ${Math.round((100 * (stats.cpuUserMs + stats.cpuSystemMs)) / stats.wallMs)}% of a core, loop ${Math.round(100 * stats.eventLoopUtilization)}% busy, ${((stats.cpuUserMs + stats.cpuSystemMs) / result.events).toFixed(2)} ms CPU per event, ${((result.events * result.readers) / result.reads).toFixed(1)} events per read, ${Math.round(100 * result.queuedShare)}% of appends queued in the client; readers ${Math.round(result.readerCpuMs)} ms CPU; ${result.pinning}`,
      );
    } finally {
      await server.close();
    }
  }
}

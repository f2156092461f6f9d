/**
 * Probe (not part of `npm run bench`): where the client's time goes in a catch-up read. Starts this
 * checkout's server in a child process (`--cpu-prof` into `<dir>/server`), fills one stream, then reads
 * it whole `rounds` times with one workload while this process profiles itself (node:inspector, only
 * around the reads, written to `<dir>/client.cpuprofile`); prints each read's rate and this process's
 * CPU per event. Summarise a profile with `profile-summary.ts`.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/catch-up-client-profile.ts <dir> [json|sse|processor=processor] [rounds=3] [events=200000]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { createProgress } from "../progress.ts";
import { fillStream, readJsonCatchUp, readSseCatchUp } from "../scenarios/catch-up.ts";
import { readProcessorCatchUp } from "../scenarios/processor-catch-up.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const [dir, which = "processor", rounds = "3", events = "200000"] = process.argv.slice(2);
if (!dir) throw new Error("usage: catch-up-client-profile.ts <dir> [json|sse|processor] [rounds] [events]");
const count = Number(events);
const name = "/probe/catch-up";
mkdirSync(join(dir, "server"), { recursive: true });
const server = await startServerProcess({ fsync: "normal", cpuProfileDir: join(dir, "server") });
const read = {
  json: async () => (await readJsonCatchUp(server.url, tributaryWire, { name, count })).eventsPerSecond,
  sse: () => readSseCatchUp(server.url, tributaryWire, { name, count }),
  processor: () => readProcessorCatchUp(server.url, { name, count }),
}[which as "json" | "sse" | "processor"];
if (!read) throw new Error(`unknown workload ${which}`);
const session = new Session();
try {
  await fillStream(server.url, tributaryWire, { name, count, progress: createProgress(1) });
  await read(); // warm-up, not profiled
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  for (let round = 0; round < Number(rounds); round++) {
    await server.stats();
    const before = process.cpuUsage();
    const rate = await read();
    const used = process.cpuUsage(before);
    const stats = await server.stats();
    console.log(
      `${which}: ${Math.round(rate).toLocaleString("en-US")} events/s, client CPU ${((used.user + used.system) / count).toFixed(2)} µs/event, server CPU ${(((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / count).toFixed(2)} µs/event`,
    );
  }
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(join(dir, "client.cpuprofile"), JSON.stringify(profile));
} finally {
  session.disconnect();
  await server.close();
}

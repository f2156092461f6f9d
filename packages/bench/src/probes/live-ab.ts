/**
 * Probe (not part of `npm run bench`): the append → live SSE reader round trip of several servers in
 * the same run, interleaved round by round (A B C, B C A, C A B, …): this checkout's Tributary (SQLite), the HTTP
 * floor, and optionally another checkout's Tributary (the "before" of a change). The same workload as
 * the bench's live group (`measureLiveRoundTrip`); each line is one run's p50 and p90, and the end
 * prints the medians and this checkout's ratio to each.
 *
 * Each run also prints the server process's CPU time per round trip (warm-up included).
 *
 * With `PROFILE_DIR` set, each server writes a V8 CPU profile there.
 *
 * With `--store`, also `live-store-server.ts` ("floor+store"): bare `node:http` over the SQLite store with
 * the server's live hub and stream writer, the least a server with a durable commit before the reader's
 * copy does (an empty string for the other checkout leaves it out).
 *
 * Usage: node packages/bench/src/probes/live-ab.ts [other checkout] [rounds=5] [count=1500] [--store]
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { measureLiveRoundTrip } from "../scenarios/live-round-trip.ts";
import { startServerProcess } from "../server-process.ts";
import { medianBy } from "../stats.ts";
import { tributaryWire } from "../wire.ts";

const args = process.argv.slice(2);
const withStore = args.includes("--store");
const [other, rounds = "5", count = "1500"] = args.filter((arg) => arg !== "--store");
const scripts: Record<string, string> = {
  after: fileURLToPath(new URL("../server-child.ts", import.meta.url)),
  floor: fileURLToPath(new URL("../floor-child.ts", import.meta.url)),
  ...(other !== undefined && other !== "" ? { before: resolve(other, "packages/bench/src/server-child.ts") } : {}),
  ...(withStore ? { "floor+store": fileURLToPath(new URL("./live-store-server.ts", import.meta.url)) } : {}),
};
const p50s = new Map<string, number[]>();
const cpus = new Map<string, number[]>();
const progress = createProgress(Number(rounds) * Object.keys(scripts).length);
for (let round = 0; round < Number(rounds); round++) {
  // Each round starts with the next server, so none always runs first (right after another's run).
  const entries = Object.entries(scripts);
  for (const [name, script] of [...entries.slice(round % entries.length), ...entries.slice(0, round % entries.length)]) {
    const server = await startServerProcess({ fsync: "normal", script, cpuProfileDir: process.env.PROFILE_DIR });
    try {
      progress.step(`${name}, round ${round + 1}`);
      const before = await server.stats();
      const latency = await measureLiveRoundTrip(server.url, tributaryWire, {
        count: Number(count),
        warmup: Math.round(Number(count) / 10),
        name: "/probe/live",
        progress,
      });
      const after = await server.stats();
      // Server CPU per round trip, warm-up included (the stats cover the whole measurement).
      const cpuUs = ((after.totalCpuMs - before.totalCpuMs) * 1000) / (Number(count) + Math.round(Number(count) / 10));
      p50s.set(name, [...(p50s.get(name) ?? []), latency.p50]);
      cpus.set(name, [...(cpus.get(name) ?? []), cpuUs]);
      progress.done(
        `${name}: p50 ${latency.p50.toFixed(3)} ms, p90 ${latency.p90.toFixed(3)} ms, p99 ${latency.p99.toFixed(3)} ms, server CPU ${cpuUs.toFixed(0)} µs per round trip`,
      );
    } finally {
      await server.close();
    }
  }
}
const medians = new Map([...p50s].map(([name, list]) => [name, medianBy(list, (value) => value)]));
for (const [name, value] of medians)
  console.log(
    `${name}: median p50 ${value.toFixed(3)} ms (${p50s
      .get(name)!
      .map((v) => v.toFixed(3))
      .join(", ")})`,
  );
for (const [name, list] of cpus)
  console.log(`${name}: median server CPU ${medianBy(list, (value) => value).toFixed(0)} µs per round trip (${list.map((v) => v.toFixed(0)).join(", ")})`);
for (const [name, value] of medians) if (name !== "after") console.log(`after / ${name}: ${(medians.get("after")! / value).toFixed(2)}×`);
// Each round's own ratios to the floor (the servers of one round ran back to back, so a machine whose
// speed drifts moves them less than it moves the medians).
const floorP50s = p50s.get("floor")!;
for (const [name, list] of p50s) {
  if (name === "floor") continue;
  const ratios = list.map((value, round) => value / floorP50s[round]!);
  console.log(`${name} / floor per round: median ${medianBy(ratios, (value) => value).toFixed(2)}× (${ratios.map((ratio) => ratio.toFixed(2)).join(", ")})`);
}

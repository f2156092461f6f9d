/**
 * Probe (not part of `npm run bench`): catch-up reads before and after a server change, in the same run,
 * beside the Durable Streams reference in memory. Starts three servers (the `server-child.ts` of another
 * checkout, e.g. main's, as "before"; this checkout's as "after"; the reference), fills the same stream
 * on each, then reads it whole A B C A B C … with the bench's own readers (JSON pages of 10,000, then
 * SSE; `processor`: the SDK's PullProcessorRuntime, which reads over SSE), and prints each server's median rate, its ratio to the reference, and its CPU per event (the median, each
 * round's, and the system part: the spread shows whether a difference holds).
 *
 * `before-limit` is the JSON page size asked of the other checkout (default: this checkout's largest,
 * `tributaryJsonPageLimit`; 10000 for a checkout from before 2 December 2026).
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/catch-up-ab.ts <other checkout> [rounds=5] [events=200000] [json|sse|processor|both=json and sse] [before-limit]
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { fillStream, readJsonCatchUp, readSseCatchUp } from "../scenarios/catch-up.ts";
import { readProcessorCatchUp } from "../scenarios/processor-catch-up.ts";
import { startServerProcess, type ServerProcess } from "../server-process.ts";
import { durableStreamsWire, tributaryJsonPageLimit, tributaryWire, tributaryWireWithPageLimit, type Wire } from "../wire.ts";

const [other, rounds = "5", events = "200000", which = "both", beforeLimit = String(tributaryJsonPageLimit)] = process.argv.slice(2);
if (!other) throw new Error("usage: catch-up-ab.ts <other checkout> [rounds] [events] [json|sse|processor|both]");
const count = Number(events);
const name = "/probe/catch-up";
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const progress = createProgress(1);

const servers: { label: string; wire: Wire; server: ServerProcess }[] = [
  {
    label: "before",
    wire: tributaryWireWithPageLimit(Number(beforeLimit)),
    server: await startServerProcess({ fsync: "normal", script: resolve(other, "packages/bench/src/server-child.ts") }),
  },
  { label: "after", wire: tributaryWire, server: await startServerProcess({ fsync: "normal", script: here("../server-child.ts") }) },
  {
    label: "reference",
    wire: durableStreamsWire,
    server: await startServerProcess({ fsync: "normal", script: here("../ds-reference-child.ts"), env: { BENCH_DS_MEMORY: "1" } }),
  },
];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  for (const { wire, server } of servers) await fillStream(server.url, wire, { name, count, progress });
  const workloads: [string, (url: string, wire: Wire) => Promise<number>][] = [
    ["JSON pages", async (url, wire) => (await readJsonCatchUp(url, wire, { name, count })).eventsPerSecond],
    ["SSE", (url, wire) => readSseCatchUp(url, wire, { name, count })],
    // The reference has no processor runtime: its column is its JSON-page read, as in `npm run bench`.
    [
      "processor catch-up",
      async (url, wire) =>
        wire.kind === "tributary" ? readProcessorCatchUp(url, { name, count }) : (await readJsonCatchUp(url, wire, { name, count })).eventsPerSecond,
    ],
  ];
  for (const [workload, read] of workloads) {
    if (which === "both" ? workload.startsWith("processor") : !workload.toLowerCase().startsWith(which)) continue;
    const rates = servers.map(() => [] as number[]);
    const cpu = servers.map(() => [] as number[]);
    const system = servers.map(() => [] as number[]);
    const rss = servers.map(() => [] as number[]);
    for (let round = 0; round < Number(rounds); round++) {
      for (const [index, { wire, server }] of servers.entries()) {
        await server.stats();
        rates[index]!.push(await read(server.url, wire));
        const stats = await server.stats();
        cpu[index]!.push(((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / count);
        system[index]!.push((stats.cpuSystemMs * 1000) / count);
        rss[index]!.push(stats.rssMb);
      }
    }
    const reference = median(rates.at(-1)!);
    console.log(`${workload}, ${count.toLocaleString("en-US")} events, median of ${rounds} interleaved rounds:`);
    for (const [index, { label }] of servers.entries()) {
      const rate = median(rates[index]!);
      console.log(
        `  ${label.padEnd(10)} ${Math.round(rate).toLocaleString("en-US").padStart(9)} events/s (${rates[index]!.map((r) => Math.round(r / 1000)).join(" / ")}k)  ${(rate / reference).toFixed(2)}× the reference  server CPU ${median(cpu[index]!).toFixed(2)} µs/event (${cpu[index]!.map((c) => c.toFixed(2)).join(" / ")}; system ${median(system[index]!).toFixed(2)})  RSS after a read ${Math.round(median(rss[index]!))} MB (max ${Math.round(Math.max(...rss[index]!))})`,
      );
    }
  }
} finally {
  for (const { server } of servers) await server.close();
}

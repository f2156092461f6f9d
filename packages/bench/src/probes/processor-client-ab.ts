/**
 * Probe (not part of `npm run bench`): the client side of the processor catch-up, before and after an
 * SDK change. Starts one server (this checkout's), fills one stream, then runs the bench's processor
 * catch-up (`readProcessorCatchUp`: the SDK's PullProcessorRuntime reducing the whole stream) in a
 * child process of each checkout in turn, A B A B …; each child reads the stream `reads` times and
 * reports its own CPU per event (user + system), the figure that holds on a shared machine, and its rates.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/processor-client-ab.ts <other checkout> [rounds=5] [events=200000] [reads=3]
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { fillStream } from "../scenarios/catch-up.ts";
import { readProcessorCatchUp } from "../scenarios/processor-catch-up.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const name = "/probe/processor-catch-up";
const [mode, ...rest] = process.argv.slice(2);

if (mode === "--client") {
  // One checkout's client: `--client <url> <events> <reads>`; prints one JSON line.
  const [url, events, reads] = rest;
  const count = Number(events);
  const cpu: number[] = [];
  const rates: number[] = [];
  for (let read = 0; read < Number(reads); read++) {
    const before = process.cpuUsage();
    rates.push(await readProcessorCatchUp(url!, { name, count }));
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / count);
  }
  console.log(JSON.stringify({ cpu, rates }));
} else {
  const other = mode;
  if (!other) throw new Error("usage: processor-client-ab.ts <other checkout> [rounds] [events] [reads]");
  const [rounds = "5", events = "200000", reads = "3"] = rest;
  const count = Number(events);
  const here = fileURLToPath(import.meta.url);
  const scripts = [
    { label: "before", script: resolve(other, "packages/bench/src/probes/processor-client-ab.ts") },
    { label: "after", script: here },
  ];
  const server = await startServerProcess({ fsync: "normal" });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  try {
    await fillStream(server.url, tributaryWire, { name, count, progress: createProgress(1) });
    const cpu = scripts.map(() => [] as number[]);
    const rates = scripts.map(() => [] as number[]);
    for (let round = 0; round < Number(rounds); round++) {
      for (const [index, { script }] of scripts.entries()) {
        const output = execFileSync(process.execPath, [script, "--client", server.url, events, reads], { encoding: "utf8" });
        const result = JSON.parse(output.trim().split("\n").at(-1)!) as { cpu: number[]; rates: number[] };
        // The first read of each child warms it up; the rest are the figures.
        cpu[index]!.push(...result.cpu.slice(1));
        rates[index]!.push(...result.rates.slice(1));
      }
    }
    console.log(`processor catch-up client, ${count.toLocaleString("en-US")} events, ${rounds} interleaved rounds (first read of each child dropped):`);
    for (const [index, { label }] of scripts.entries()) {
      console.log(
        `  ${label.padEnd(7)} client CPU ${median(cpu[index]!).toFixed(2)} µs/event (${cpu[index]!.map((c) => c.toFixed(2)).join(" / ")})  ${Math.round(median(rates[index]!)).toLocaleString("en-US")} events/s (${rates[index]!.map((r) => Math.round(r / 1000)).join(" / ")}k)`,
      );
    }
  } finally {
    await server.close();
  }
}

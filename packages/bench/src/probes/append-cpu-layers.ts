/**
 * Probe (not part of `npm run bench`): where a server's CPU goes per append, from an on-CPU profile.
 * V8's `--cpu-prof` samples on wall time, so on a loaded machine a function the process is preempted in
 * collects the wait; Linux `perf record -e task-clock` samples only while a thread runs. Starts one
 * variant (`server`, or a stripped-down one of `append-floor-server.ts`: `raw-store`, `hono-store`, …)
 * with `--perf-basic-prof` (JIT code gets names), warms it with 1,000 sequential appends, then records
 * the server process (every thread) at 4 kHz over `count` appends and sorts each sample into a layer by
 * the JavaScript frame nearest the leaf (native and kernel frames count for the JavaScript that called
 * them; samples with no JavaScript frame go by thread: V8's compiler and GC threads, the event loop).
 * Prints µs of CPU per append for each layer. perf's own overhead inflates every figure (about 1.5–2×);
 * compare layers and variants within one run, not with other probes' figures.
 *
 * Variant `postgres`: the server on a fresh database of a private PostgreSQL cluster (the store's layer then
 * holds our PostgreSQL store, node-pg shows as `npm: pg…`; PostgreSQL's own processes are not recorded).
 *
 * Needs `perf` (linux-tools) and permission to profile the process (root, or perf_event_paranoid ≤ 1).
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/append-cpu-layers.ts [variants=server,raw-store] [count=6000] [workload=seq|c32]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createProgress } from "../progress.ts";
import { measureAppendLatency } from "../scenarios/append-latency.ts";
import { measureAppendThroughput } from "../scenarios/append-throughput.ts";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const variants = (process.argv[2] ?? "server,raw-store").split(",");
const count = Number(process.argv[3] ?? 6000);
const workload = process.argv[4] ?? "seq";
const floorScript = fileURLToPath(new URL("./append-floor-server.ts", import.meta.url));
const hz = 4000;
const progress = createProgress(variants.length);
const dir = mkdtempSync(join(tmpdir(), "append-cpu-layers-"));
const tables = new Map<string, Map<string, number>>();
const postgres = variants.includes("postgres") ? await startPrivatePostgres() : undefined;

/** The layer a sample's stack (leaf first) belongs to. */
function layerOf(thread: string, stack: string[]): string {
  const js = stack.find((frame) => frame.startsWith("JS:"));
  if (!js) {
    if (thread !== "MainThread") return `no JS: ${thread} (V8's compiler and GC helpers)`;
    return stack.some((frame) => frame.includes("epoll")) ? "no JS: event loop poll" : "no JS: main thread (native callbacks, GC, compiling)";
  }
  if (js.includes("packages/server/src/store/")) return "the store (our SQLite or PostgreSQL store and write queue; SQLite under it)";
  if (js.includes("append-floor-server")) return "the floor's handler";
  if (js.includes("packages/server/src/") || js.includes("packages/protocol/src/")) return "our code above the store (route, middleware, gate, built-ins)";
  if (js.includes("packages/")) return `the bench's code in the server process (${/packages\/(\S+?):\d/.exec(js)?.[1] ?? "?"})`;
  if (js.includes("node_modules/hono/") || js.includes("node_modules/@hono/")) return "Hono and its Node adapter";
  if (js.includes("node_modules/")) return `npm: ${js.split("node_modules/")[1]!.split("/")[0]}`;
  const module = /node:(\S+?):\d/.exec(js)?.[1] ?? "other";
  if (module === "net" || module.includes("stream_base_commons")) return "node: socket writes";
  if (module.includes("http")) return "node: HTTP";
  if (module.includes("streams")) return "node: streams";
  if (module.includes("timers") || module.includes("task_queues")) return "node: timers, ticks, microtasks";
  return "node: other";
}

for (const variant of variants) {
  progress.step(`${variant}: ${workload}, ${count.toLocaleString("en-US")} appends recorded`);
  const whole = variant === "server" || variant === "postgres";
  const server = await startServerProcess({
    fsync: "normal",
    env: {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --perf-basic-prof`,
      ...(whole ? {} : { BENCH_VARIANT: variant }),
      ...(variant === "postgres" ? { BENCH_POSTGRES_URL: await postgres!.createDatabase() } : {}),
    },
    ...(whole ? {} : { script: floorScript }),
  });
  const data = join(dir, `${variant}.data`);
  try {
    await measureAppendLatency(server.url, tributaryWire, { count: 1000, warmup: 0, name: `/probe/${variant}-warm`, progress });
    const perf = spawn("perf", ["record", "-e", "task-clock", "-F", String(hz), "-g", "-o", data, "-p", String(server.pid)], { stdio: "ignore" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.stats();
    let appends = count;
    if (workload === "c32") {
      const result = await measureAppendThroughput(server.url, tributaryWire, {
        clients: 32,
        batchSize: 1,
        durationMs: Math.round((count / 10_000) * 1000),
        warmupMs: 0,
        name: `/probe/${variant}-c32`,
        progress,
      });
      appends = result.requests;
    } else {
      await measureAppendLatency(server.url, tributaryWire, { count, warmup: 0, name: `/probe/${variant}`, progress });
    }
    const stats = await server.stats();
    perf.kill("SIGINT");
    await new Promise((resolve) => perf.once("exit", resolve));
    const script = spawnSync("perf", ["script", "-i", data, "-F", "comm,ip,sym"], { encoding: "utf8", maxBuffer: 1 << 30 });
    const table = new Map<string, number>();
    let thread = "";
    let stack: string[] = [];
    const flush = () => {
      if (stack.length > 0) table.set(layerOf(thread, stack), (table.get(layerOf(thread, stack)) ?? 0) + 1);
      stack = [];
    };
    for (const line of script.stdout.split("\n")) {
      if (line.trim() === "") flush();
      else if (!/^\s/.test(line)) thread = line.trim().split(/\s+/)[0]!;
      else stack.push(line.trim().split(/\s+/).slice(1).join(" "));
    }
    flush();
    const perAppend = new Map([...table].map(([layer, samples]) => [layer, (samples * 1e6) / hz / appends]));
    tables.set(variant, perAppend);
    progress.done(
      `${(((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / appends).toFixed(0)} µs server CPU per append under perf (${appends.toLocaleString("en-US")} appends)`,
    );
  } finally {
    await server.close();
    rmSync(data, { force: true });
    // --perf-basic-prof's symbol map, which V8 leaves behind.
    rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
  }
}
rmSync(dir, { recursive: true, force: true });
await postgres?.stop();

const layers = [...new Set([...tables.values()].flatMap((table) => [...table.keys()]))];
const total = (table: Map<string, number>) => [...table.values()].reduce((sum, value) => sum + value, 0);
layers.sort((a, b) => (tables.get(variants[0]!)?.get(b) ?? 0) - (tables.get(variants[0]!)?.get(a) ?? 0));
console.log(`\nµs of CPU per append (${workload}), by layer:`);
console.log(`  ${"layer".padEnd(66)}${variants.map((variant) => variant.padStart(11)).join("")}`);
for (const layer of layers)
  console.log(`  ${layer.padEnd(66)}${variants.map((variant) => (tables.get(variant)?.get(layer) ?? 0).toFixed(1).padStart(11)).join("")}`);
console.log(`  ${"total".padEnd(66)}${variants.map((variant) => total(tables.get(variant)!).toFixed(1).padStart(11)).join("")}`);

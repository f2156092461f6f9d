/**
 * Probe (not part of `npm run bench`): the built-ins' gate (builtin-gate.ts) of another checkout against
 * this one's, in one process, interleaved A B A B, without HTTP or commits: CPU per reserved append.
 * `alone`: each append is reserved and released before the next (one client appending one event at a
 * time); `in flight`: 32 appends reserved one after another before they are released (32 clients on one
 * stream, each judged against the ones in flight); `batch`: appends of 100 events, alone. Both gates run
 * over their own built-in state cache on one real SQLite store, with the server's built-ins.
 *
 * Usage: node packages/bench/src/probes/gate-ab.ts <other checkout> [rounds=5] [appends=20000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createLogger, createSqliteStore, type Builtin, type Gate } from "@tributary/server";
import type { StreamPath } from "@tributary/protocol";

const [other, rounds = "5", appendsArg = "20000"] = process.argv.slice(2);
if (!other) throw new Error("usage: gate-ab.ts <other checkout> [rounds] [appends]");
const appends = Number(appendsArg);
const here = resolve(import.meta.dirname, "../../../..");
const dataDir = mkdtempSync(join(tmpdir(), "tributary-gate-ab-"));
const store = createSqliteStore({ dataDir });
const logger = createLogger({ level: "warn" });

async function gateOf(checkout: string): Promise<Gate> {
  const server = (file: string) => join(checkout, "packages/server/src", file);
  const { createBuiltinGate } = (await import(server("builtins/host/builtin-gate.ts"))) as {
    createBuiltinGate(options: { states: unknown; builtins: readonly Builtin<any>[]; marks: unknown; logger: unknown; now(): number }): Gate;
  };
  const { createBuiltinStates } = (await import(server("builtins/host/builtin-states.ts"))) as {
    createBuiltinStates(options: { events: unknown; builtins: readonly Builtin<any>[]; logger: unknown }): { onCommit(batch: unknown): void };
  };
  const { defaultBuiltins } = (await import(server("builtins/default-builtins.ts"))) as { defaultBuiltins: readonly Builtin<any>[] };
  const states = createBuiltinStates({ events: store, builtins: defaultBuiltins, logger });
  return createBuiltinGate({ states, builtins: defaultBuiltins, marks: store, logger, now: Date.now });
}

const gates = { before: await gateOf(resolve(other)), after: await gateOf(here) };
const event = { type: "bench/appended", payload: { i: 1 } };
const hundred = Array.from({ length: 100 }, () => event);
const workloads = {
  alone: async (gate: Gate, path: StreamPath) => {
    for (let i = 0; i < appends; i++) (await gate.reserve("default", path, [event]))(true);
    return appends;
  },
  "in flight": async (gate: Gate, path: StreamPath) => {
    for (let i = 0; i < appends; i += 32) {
      const releases = [];
      for (let k = 0; k < 32; k++) releases.push(await gate.reserve("default", path, [event]));
      for (const release of releases) release(true);
    }
    return appends;
  },
  batch: async (gate: Gate, path: StreamPath) => {
    for (let i = 0; i < appends / 100; i++) (await gate.reserve("default", path, hundred))(true);
    return appends;
  },
};

const results = new Map<string, number[]>();
let streams = 0;
for (let round = 0; round < Number(rounds); round++) {
  for (const [workload, run] of Object.entries(workloads)) {
    for (const [name, gate] of round % 2 === 0 ? Object.entries(gates) : Object.entries(gates).reverse()) {
      const path = `/gate-ab/${++streams}` as StreamPath;
      await run(gate, path); // warm-up: the JIT, the stream's state loaded
      const cpu = process.cpuUsage();
      const events = await run(gate, path);
      const used = process.cpuUsage(cpu);
      const perEvent = ((used.user + used.system) / events) * 1000;
      results.set(`${workload} ${name}`, [...(results.get(`${workload} ${name}`) ?? []), perEvent]);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`medians of ${rounds} rounds, ${appends} events each, ns of CPU per event:`);
for (const workload of Object.keys(workloads)) {
  const before = median(results.get(`${workload} before`)!);
  const after = median(results.get(`${workload} after`)!);
  console.log(`  ${workload.padEnd(10)} before ${before.toFixed(0).padStart(6)}  after ${after.toFixed(0).padStart(6)}  (${(after / before).toFixed(2)}x)`);
}
await store.close();
rmSync(dataDir, { recursive: true, force: true });

/**
 * Probe (not part of `npm run bench`): the SQLite store's append rate on one stream, in-process, with no
 * HTTP, when appends are awaited one by one (each its own transaction) and when 32 are in flight at
 * once (group commit puts them in one transaction). Shows what the store can do without the server's
 * per-stream serialisation in front of it.
 *
 * Usage: node packages/bench/src/probes/store-group-commit.ts [normal|full]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "@tributary/server";
import type { StreamPath } from "@tributary/protocol";

const fsync = process.argv[2] === "full" ? "full" : "normal";
const count = 20_000;
const dataDir = mkdtempSync(join(tmpdir(), "tributary-probe-"));
const store = createSqliteStore({ dataDir, fsync });
const event = (i: number) => ({ type: "bench/appended", payload: { i } });

async function serial(path: StreamPath): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await store.append({ project: "default", path, events: [event(i)] });
  return count / ((performance.now() - started) / 1000);
}

async function inFlight(path: StreamPath, window: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) await store.append({ project: "default", path, events: [event(next++)] });
  };
  await Promise.all(Array.from({ length: window }, worker));
  return count / ((performance.now() - started) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
await store.append({ project: "default", path: "/probe" as StreamPath, events: [event(-1)] });
console.log(`fsync=${fsync}, ${fmt(count)} single-event appends to one stream, in-process:`);
console.log(`  awaited one by one (a transaction each): ${fmt(await serial("/probe/serial" as StreamPath))} appends/s`);
console.log(`  32 in flight (group commit):             ${fmt(await inFlight("/probe/grouped" as StreamPath, 32))} appends/s`);
await store.close();
rmSync(dataDir, { recursive: true, force: true });

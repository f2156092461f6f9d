// Measures a long stream's first append after a restart, with built-in state snapshots and without.
// Run: node --conditions=tributary-source scripts/measure-cold-start.ts [events=1000000] [snapshotEvery=10000]
// (pass a huge snapshotEvery, e.g. 1000000000, to measure without snapshots).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../packages/server/src/index.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const snapshotEvery = Number(process.argv[3] ?? 10_000);
const dataDir = mkdtempSync(join(tmpdir(), "cold-"));
let server = await startServer({ port: 0, dataDir, logLevel: "warn", limits: { snapshotEvery } });
const path = "/cold/million";
await server.parts.store.append({
  project: "default",
  path,
  events: [{ type: "circuit-breaker/configured", payload: { maxEvents: 100000000, windowSeconds: 1 } }],
});
for (let done = 0; done < total; done += 5000) {
  const events = Array.from({ length: 5000 }, (_, i) => ({ type: "note", payload: { n: done + i, text: "some text of an ordinary event" } }));
  await server.parts.store.append({ project: "default", path, events });
}
// Appends straight to the store reach the built-in state through the commit feed; let it settle.
await fetch(`${server.url}/api/state${path}`);
await new Promise((r) => setTimeout(r, 2000));
console.log(
  "snapshot before restart:",
  (
    await server.parts.store.getSnapshot(
      "default",
      path,
      (await import("../packages/server/src/builtins/host/builtin-states.ts")).snapshotNameFor(
        (await import("../packages/server/src/builtins/default-builtins.ts")).defaultBuiltins,
      ),
    )
  )?.offset,
);
await server.close();
server = await startServer({ port: 0, dataDir, logLevel: "warn", limits: { snapshotEvery } });
const t0 = performance.now();
let healthAt = 0;
const health = fetch(`${server.url}/api/health`).then(() => (healthAt = performance.now() - t0));
const first = await fetch(`${server.url}/api/streams${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"type":"after"}' });
const firstMs = performance.now() - t0;
await health;
console.log(JSON.stringify({ total, snapshotEvery, status: first.status, firstAppendMs: Math.round(firstMs), healthMs: Math.round(healthAt) }));
await server.close();

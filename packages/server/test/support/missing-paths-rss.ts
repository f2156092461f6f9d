// Run as a child process by bounded-memory.test.ts (node --expose-gc --max-semi-space-size=2, so the young
// generation's own growth under a high allocation rate does not hide what is retained):
// opens a real SQLite store, looks up many distinct streams that do not exist, the way reads of
// never-created paths do, and prints the resident set size before and after as one JSON line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const lookups = Number(process.argv[2] ?? 1_000_000);
const dataDir = mkdtempSync(join(tmpdir(), "tributary-rss-"));
const store = createSqliteStore({ dataDir });
await store.append({ project: "default", path: "/exists", events: [{ type: "x", payload: {} }] });

const gc = (globalThis as { gc?: () => void }).gc!;
const settledRss = () => {
  gc();
  gc();
  return process.memoryUsage().rss;
};
async function touch(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const path = `/missing/p${i}`;
    if (i % 2 === 0) await store.info("default", path);
    else await store.read("default", path, { afterOffset: 0, limit: 10 });
  }
}
// The first round fills the cache and brings the allocators to their working size; only what the second
// round of as many new paths adds counts, which for a bounded cache is nothing.
await touch(0, lookups);
const before = settledRss();
await touch(lookups, lookups);
const after = settledRss();
await store.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ lookups, before, after })}\n`);

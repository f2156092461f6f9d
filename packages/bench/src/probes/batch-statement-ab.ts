/**
 * Probe (not part of `npm run bench`): PostgreSQL's CPU per batch statement (batch-append.ts), another
 * checkout's `appendBatch` (the "before", e.g. main's) against this one's, in the same run. Each side has its
 * own connection (its own backend) to one database of a private cluster; they append batches of `--size`
 * single-event requests spread over `--streams` streams, one batch at a time, in alternating runs. Per run:
 * the backend's CPU per batch (from /proc), this process's CPU per batch, and the wall time per batch; then
 * a check that every stream's offsets are dense and match its head. fsync is off unless `--fsync`: the
 * statement's own cost, not the disk's.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/batch-statement-ab.ts <other checkout> [--size 14] [--streams 1] [--batches 1500] [--rounds 6] [--fsync]
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import type { StreamPath } from "@tributary/protocol";
import { appendBatch as afterBatch, type BatchItem } from "../../../server/src/store/postgres/batch-append.ts";
import { createPostgresStore } from "../../../server/src/store/postgres/postgres-store.ts";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: "string", default: "14" },
    streams: { type: "string", default: "1" },
    batches: { type: "string", default: "1500" },
    rounds: { type: "string", default: "6" },
    fsync: { type: "boolean", default: false },
  },
});
const other = positionals[0];
if (!other) throw new Error("usage: batch-statement-ab.ts <other checkout> [--size 14] [--streams 1] [--batches 1500] [--rounds 6] [--fsync]");
const { appendBatch: beforeBatch } = (await import(resolve(other, "packages/server/src/store/postgres/batch-append.ts"))) as { appendBatch: typeof afterBatch };
const size = Number(values.size);
const streamCount = Number(values.streams);
const batches = Number(values.batches);

const postgres = await startPrivatePostgres({ fsync: values.fsync });
const url = await postgres.createDatabase();
// The schema and the streams, as the store makes them.
const store = await createPostgresStore({ connectionString: url });
const paths = Array.from({ length: streamCount }, (_, index) => `/s/${index}` as StreamPath);
for (const path of paths) await store.append({ project: "p", path, events: [{ type: "seed", payload: {} }] });
await store.close();

const sides = { before: beforeBatch, after: afterBatch };
const connections = new Map<string, { client: pg.Client; pid: number }>();
for (const name of Object.keys(sides)) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  connections.set(name, { client, pid: (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number });
}
const ids = new Map(
  (
    (await connections.get("after")!.client.query("SELECT id::text AS id, path FROM tributary_streams WHERE project = 'p'")).rows as {
      id: string;
      path: string;
    }[]
  ).map((row) => [row.path, row.id]),
);
const ticks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
};
const items = (): BatchItem[] =>
  Array.from({ length: size }, (_, index) => {
    const path = paths[index % streamCount]!;
    return { request: { project: "p", path, events: [{ type: "bench", payload: { n: index, text: "hello world" } }] }, streamId: ids.get(path)! };
  });

async function run(name: keyof typeof sides, count: number) {
  const { client, pid } = connections.get(name)!;
  const ticksBefore = ticks(pid);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const results = await sides[name](client, 1, items());
    if (results.some((result) => result === undefined)) throw new Error("a batch left a request out");
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { backend: ((ticks(pid) - ticksBefore) * 10) / count, node: (cpu.user + cpu.system) / 1000 / count, wall: (performance.now() - started) / count };
}

const figures = { before: [] as { backend: number; node: number; wall: number }[], after: [] as { backend: number; node: number; wall: number }[] };
try {
  // Warm: each side's statement prepared and its plan settled.
  await run("before", 200);
  await run("after", 200);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of round % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const)) {
      const figure = await run(name, batches);
      figures[name].push(figure);
      console.log(
        `${name}: ${figure.backend.toFixed(3)} ms PostgreSQL CPU per batch, ${figure.node.toFixed(3)} ms this process's, ${figure.wall.toFixed(3)} ms wall`,
      );
    }
  }
  const { rows } = await connections.get("after")!.client.query(
    `SELECT s.path, s.last_offset::int AS head, count(e.*)::int AS events, max(e."offset")::int AS last
     FROM tributary_streams s JOIN tributary_events e ON e.stream_id = s.id WHERE s.project = 'p' GROUP BY s.path, s.last_offset`,
  );
  for (const row of rows as { path: string; head: number; events: number; last: number }[]) {
    if (row.head !== row.events || row.head !== row.last) throw new Error(`${row.path}: head ${row.head}, ${row.events} events, last offset ${row.last}`);
  }
  console.log(`offsets dense on all ${rows.length} streams`);
} finally {
  for (const { client } of connections.values()) await client.end();
  await postgres.stop();
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const [name, list] of Object.entries(figures)) {
  console.log(
    `${name} (median of ${list.length}, batches of ${size} on ${streamCount} stream(s)): PostgreSQL ${median(list.map((item) => item.backend)).toFixed(3)} ms CPU per batch, ` +
      `this process ${median(list.map((item) => item.node)).toFixed(3)} ms, wall ${median(list.map((item) => item.wall)).toFixed(3)} ms`,
  );
}

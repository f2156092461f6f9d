/**
 * What three servers on one PostgreSQL database read of each other's commits, counted rather than timed
 * (so it holds on a loaded machine): three `startServer`s in this process with routing on (a cluster
 * secret; real HTTP between them and from the clients), 32 closed-loop HTTP clients split over them, one
 * stream or one each (`--streams`). Counts, per acknowledged append: the commit tailers' reads, the rows
 * they returned, the rows with JSON and its bytes, and the reads of a gap (observed on node-pg's
 * Pool.query, not replaced); and this process's and PostgreSQL's CPU per append. Figures behind
 * docs/scaling.md ("What a server reads of the others' commits").
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/cluster-reads.ts [--streams] [--seconds 5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createPostgresStore, startServer } from "@tributary/server";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";
import { postgresCpuTicks } from "../postgres.ts";
import { createProgress } from "../progress.ts";
import { measureAppendThroughput } from "../scenarios/append-throughput.ts";
import { tributaryWire } from "../wire.ts";

const { values } = parseArgs({ options: { streams: { type: "boolean" }, seconds: { type: "string", default: "5" } } });
const clients = 32;
const serverCount = 3;

const counts = { tailerReads: 0, rows: 0, rowsWithJson: 0, jsonBytes: 0, gapReads: 0 };
let counting = false;
const prototype = pg.Pool.prototype as unknown as { query: (...args: unknown[]) => Promise<unknown> };
const original = prototype.query;
prototype.query = async function (this: unknown, ...args: unknown[]) {
  const result = (await original.apply(this, args)) as { rows: { json?: string | null }[] };
  const config = args[0] as { text?: string } | string;
  const text = typeof config === "string" ? config : (config.text ?? "");
  if (counting && text.includes("horizon AS MATERIALIZED")) {
    counts.tailerReads += 1;
    counts.rows += result.rows.length;
    for (const row of result.rows) {
      if (typeof row.json !== "string") continue;
      counts.rowsWithJson += 1;
      counts.jsonBytes += row.json.length;
    }
  } else if (counting && text.includes(`e."offset" <= $4 ORDER BY e."offset"`)) counts.gapReads += 1;
  return result;
};

const postgres = await startPrivatePostgres({ fsync: true });
const dirs: string[] = [];
try {
  const url = await postgres.createDatabase();
  const servers = [];
  for (let i = 0; i < serverCount; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), "tributary-cluster-reads-"));
    dirs.push(dataDir);
    const store = await createPostgresStore({ connectionString: url });
    servers.push(await startServer({ port: 0, dataDir, logLevel: "warn", store, cluster: { secret: "probe-cluster-secret-0123456789" } }));
  }
  const postgresTicks = () => postgresCpuTicks(postgres);
  const progress = createProgress(1);
  progress.step(`three servers, ${values.streams ? "32 streams" : "one stream"}`);
  const warmupMs = 2000;
  const durationMs = Number(values.seconds) * 1000;
  // Counting starts after the warm-up (the routing has settled by then).
  setTimeout(() => {
    counting = true;
  }, warmupMs).unref();
  const ticksBefore = await postgresTicks();
  const cpuBefore = process.cpuUsage();
  const results = await Promise.all(
    servers.map((server, index) =>
      measureAppendThroughput(server.url, tributaryWire, {
        clients: Math.floor(clients / serverCount) + (index < clients % serverCount ? 1 : 0),
        batchSize: 1,
        durationMs,
        warmupMs,
        name: values.streams ? `/probe/s${index}` : "/probe/one",
        streamPerClient: values.streams === true,
        progress,
      }),
    ),
  );
  counting = false;
  const cpu = process.cpuUsage(cpuBefore);
  const ticks = (await postgresTicks()) - ticksBefore;
  const perSecond = results.reduce((sum, result) => sum + result.requestsPerSecond, 0);
  const appends = results.reduce((sum, result) => sum + result.requests, 0);
  const all = perSecond * ((durationMs + warmupMs) / 1000);
  progress.done(`${Math.round(perSecond)} appends/s`);
  const per = (value: number) => (value / appends).toFixed(3);
  console.log(
    `three servers, ${values.streams ? "32 streams" : "one stream"}: ${Math.round(perSecond)} appends/s; this process ${((cpu.user + cpu.system) / 1000 / all).toFixed(3)} ms CPU per append, PostgreSQL ${((ticks * 10) / all).toFixed(3)} ms; ` +
      `per append: ${per(counts.tailerReads)} tailer reads, ${per(counts.rows)} rows, ${per(counts.rowsWithJson)} with JSON (${Math.round(counts.jsonBytes / appends)} bytes), ${per(counts.gapReads)} gap reads; ` +
      `routing ${JSON.stringify(servers.map((server) => server.routing?.()))}`,
  );
  for (const server of servers) await server.close();
} finally {
  await postgres.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

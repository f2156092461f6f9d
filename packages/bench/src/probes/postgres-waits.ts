/**
 * What one server's PostgreSQL write connection waits on under the scale-out workload (32 HTTP clients, one
 * stream or 32, fsync on): samples `pg_stat_activity` for the server's backends every millisecond and counts
 * each backend state and wait event (`ClientRead` idle: waiting for the server; `WALSync`: the commit's
 * flush; no wait event while active: running), with the WAL's flush count and time (`pg_stat_wal`,
 * `track_wal_io_timing`). Figures behind docs/scaling.md.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/postgres-waits.ts [--streams] [--seconds 6]
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";
import { createProgress } from "../progress.ts";
import { measureScaleOut, scaleOutSetups, startScaleOutServers } from "../scenarios/scale-out.ts";

const { values } = parseArgs({ options: { streams: { type: "boolean" }, seconds: { type: "string", default: "6" } } });
const postgres = await startPrivatePostgres({ fsync: true });
try {
  await postgres.query("ALTER SYSTEM SET track_wal_io_timing = on");
  await postgres.query("SELECT pg_reload_conf()");
  const servers = await startScaleOutServers(scaleOutSetups[1], postgres);
  // pg_stat_activity lists the whole cluster's backends, from any database.
  const sampler = new pg.Client({ connectionString: await postgres.createDatabase() });
  await sampler.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const durationMs = Number(values.seconds) * 1000;
  const loop = (async () => {
    // Warm-up first (the measurement's own), then sample.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await postgres.query("SELECT pg_stat_reset_shared('wal')");
    while (sampling) {
      const { rows } = await sampler.query(
        "SELECT state, wait_event_type, wait_event, left(query, 20) AS q FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname <> 'postgres'",
      );
      samples += 1;
      for (const row of rows as { state: string; wait_event_type: string | null; wait_event: string | null; q: string }[]) {
        const key = `${row.state} ${row.wait_event_type ?? "-"}:${row.wait_event ?? "running"} ${row.q.replace(/\s+/g, " ")}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  })();
  const progress = createProgress(1);
  progress.step("PostgreSQL, 1 server");
  const result = await measureScaleOut(servers, { streamPerClient: Boolean(values.streams), name: "/bench/waits", durationMs, warmupMs: 2000, progress });
  sampling = false;
  await loop;
  const wal = (
    await postgres.query<Record<string, string>>("SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_write_time, wal_sync_time FROM pg_stat_wal")
  )[0]!;
  progress.done(`${Math.round(result.perSecond)} appends/s, ${result.cpuMsPerAppend.toFixed(2)} server CPU ms per append`);
  console.log(`${samples} samples of pg_stat_activity; per sample, backends in each state:`);
  for (const [key, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(count / samples).toFixed(3)}  ${key}`);
  console.log(
    `WAL: ${wal.wal_sync} flushes, ${(Number(wal.wal_sync_time) / Number(wal.wal_sync)).toFixed(3)} ms each; ${(Number(wal.wal_write_time) / Number(wal.wal_write)).toFixed(3)} ms per write`,
  );
  await sampler.end();
  for (const server of servers) await server.close();
} finally {
  await postgres.stop();
}

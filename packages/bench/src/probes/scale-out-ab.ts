/**
 * Probe (not part of `npm run bench`): the scale-out workloads (32 closed-loop clients, one event per
 * append, on one stream and on 32) on one server, PostgreSQL before and after a server change against
 * SQLite, in the same run. Each round runs three servers in turn, the order alternating from round to
 * round: SQLite (this checkout), PostgreSQL with another checkout's `server-child.ts` (the "before",
 * e.g. main's) and PostgreSQL with this one's, each on a fresh database of one private cluster with fsync
 * on (as scale-out.ts). Per run: appends/s, the server's CPU per append, and PostgreSQL's ratio to the
 * round's SQLite figure (issue 10's target: at least 0.5); the summary keeps the medians and the spread.
 *
 * As in the bench, the PostgreSQL servers get a cluster secret (routing on; BENCH_ROUTING=off: none).
 * With PROFILE_DIR set, each server writes a V8 CPU profile there (summarise with profile-summary.ts).
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/scale-out-ab.ts <other checkout> [--rounds 3] [--seconds 5] [--workloads one-stream,32-streams] [--sides sqlite,before,after]
 */
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";
import { createProgress } from "../progress.ts";
import { measureScaleOut, scaleOutWorkloads } from "../scenarios/scale-out.ts";
import { startServerProcess } from "../server-process.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    workloads: { type: "string", default: "one-stream,32-streams" },
    sides: { type: "string", default: "sqlite,before,after" },
  },
});
const other = positionals[0];
if (!other) throw new Error("usage: scale-out-ab.ts <other checkout> [--rounds 3] [--seconds 5] [--workloads …] [--sides sqlite,before,after]");
const scripts: Record<string, string> = {
  sqlite: fileURLToPath(new URL("../server-child.ts", import.meta.url)),
  before: resolve(other, "packages/bench/src/server-child.ts"),
  after: fileURLToPath(new URL("../server-child.ts", import.meta.url)),
};
const rounds = Number(values.rounds);
const durationMs = Number(values.seconds) * 1000;
const workloads = scaleOutWorkloads.filter((workload) => values.workloads.split(",").includes(workload.id));
const sides = values.sides.split(",");
// A side with ":socket" connects over the Unix socket; one with ":alone" runs its PostgreSQL server without a cluster secret (no write router).
const scriptOf = (side: string) => scripts[side.split(":")[0]!];
if (sides.some((side) => scriptOf(side) === undefined)) throw new Error("--sides takes sqlite, before and after (before:alone, after:alone: without routing)");

const postgres = await startPrivatePostgres({ fsync: true });
// WAL flushes and their time (pg_stat_wal): appends per flush says how well the batches fill.
await postgres.query("ALTER SYSTEM SET track_wal_io_timing = on");
await postgres.query("SELECT pg_reload_conf()");
const socketDir = (await postgres.query<{ unix_socket_directories: string }>("SHOW unix_socket_directories"))[0]!.unix_socket_directories;
const progress = createProgress(rounds * workloads.length * sides.length);
const results = new Map<string, { perSecond: number; cpu: number; ratio?: number }[]>();
const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
try {
  for (let round = 1; round <= rounds; round++) {
    for (const workload of workloads) {
      const order = round % 2 === 1 ? sides : [...sides].reverse();
      const figures = new Map<string, { perSecond: number; cpu: number }>();
      for (const side of order) {
        progress.step(`round ${round}: ${workload.name}, ${side}`);
        const env: Record<string, string> = {};
        if (side !== "sqlite") {
          const url = await postgres.createDatabase();
          await postgres.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = on`);
          // ":socket": over the cluster's Unix socket instead of TCP on 127.0.0.1.
          env.BENCH_POSTGRES_URL = side.endsWith(":socket") ? url.replace("127.0.0.1", encodeURIComponent(socketDir)) : url;
          // As the bench's scale-out setups: routing on (a lone server routes nothing), off with BENCH_ROUTING=off.
          if (process.env.BENCH_ROUTING !== "off" && !side.endsWith(":alone")) env.BENCH_CLUSTER_SECRET = "bench-cluster-secret-0123456789";
        }
        const load = loadavg()[0]!.toFixed(1);
        await postgres.query("SELECT pg_stat_reset_shared('wal')");
        const server = await startServerProcess({ fsync: "normal", script: scriptOf(side), env, cpuProfileDir: process.env.PROFILE_DIR });
        try {
          const { perSecond, cpuMsPerAppend } = await measureScaleOut([server], {
            streamPerClient: workload.streamPerClient,
            name: `/bench/ab-${round}`,
            durationMs,
            warmupMs: 2000,
            progress,
          });
          figures.set(side, { perSecond, cpu: cpuMsPerAppend });
          let flushes = "";
          if (side !== "sqlite") {
            const [wal] = await postgres.query<{ wal_sync: string; wal_sync_time: number }>("SELECT wal_sync, wal_sync_time FROM pg_stat_wal");
            const appends = perSecond * ((durationMs + 2000) / 1000);
            flushes = `, ${(appends / Number(wal!.wal_sync)).toFixed(1)} appends per WAL flush, ${(wal!.wal_sync_time / Number(wal!.wal_sync)).toFixed(2)} ms per flush`;
          }
          progress.done(
            `${Math.round(perSecond).toLocaleString("en-US")} appends/s, ${cpuMsPerAppend.toFixed(3)} server CPU ms per append${flushes}, load ${load}`,
          );
        } finally {
          await server.close();
        }
      }
      const sqlite = figures.get("sqlite")?.perSecond;
      for (const [side, figure] of figures) {
        const key = `${workload.name} | ${side}`;
        results.set(key, [...(results.get(key) ?? []), { ...figure, ...(sqlite && side !== "sqlite" ? { ratio: figure.perSecond / sqlite } : {}) }]);
      }
    }
  }
} finally {
  await postgres.stop();
}
console.log(`\nmedians over ${rounds} rounds (min–max), load now ${loadavg()[0]!.toFixed(1)}:`);
for (const [key, list] of results) {
  const rates = list.map((item) => item.perSecond);
  const ratios = list.flatMap((item) => (item.ratio === undefined ? [] : [item.ratio]));
  const cpus = list.map((item) => item.cpu);
  console.log(
    `${key}: ${Math.round(median(rates)).toLocaleString("en-US")}/s (${Math.round(Math.min(...rates)).toLocaleString("en-US")}–${Math.round(Math.max(...rates)).toLocaleString("en-US")}), ` +
      `${median(cpus).toFixed(3)} CPU ms/append` +
      (ratios.length > 0
        ? `, ${median(ratios).toFixed(2)}x SQLite (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; ${ratios.map((ratio) => ratio.toFixed(2)).join(" ")})`
        : ""),
  );
}

/**
 * Routing a contended stream's writes to one server (cluster/write-router.ts), on and off, in interleaved
 * rounds on one private cluster with fsync on: 32 closed-loop clients over HTTP split over three server
 * processes (the scale-out scenario), one stream or 32. Per run: appends/s, the servers' CPU and
 * PostgreSQL's (its processes, from /proc) per append, and appends per WAL flush (`pg_stat_wal`), which
 * say more than the rate on a loaded machine. Figures behind docs/scaling.md.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/routing-ab.ts [--rounds 3] [--seconds 5] [--workloads one-stream,32-streams] [--modes on,off,one]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";
import { postgresCpuTicks } from "../postgres.ts";
import { createProgress } from "../progress.ts";
import { measureScaleOut, scaleOutSetups, scaleOutWorkloads, startScaleOutServers } from "../scenarios/scale-out.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    workloads: { type: "string", default: "one-stream,32-streams" },
    /** on: three servers routing; off: three without; one: one server (the target). */
    modes: { type: "string", default: "on,off,one" },
  },
});
const rounds = Number(values.rounds);
const durationMs = Number(values.seconds) * 1000;
const warmupMs = 2000;
const workloads = scaleOutWorkloads.filter((workload) => values.workloads.split(",").includes(workload.id));
const modes = values.modes.split(",");
if (modes.some((mode) => !["on", "off", "one"].includes(mode))) throw new Error("--modes takes on, off and one");

const postgres = await startPrivatePostgres({ fsync: true });
const progress = createProgress(rounds * workloads.length * modes.length);
const postgresTicks = () => postgresCpuTicks(postgres);
const rows: string[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const workload of workloads) {
      // Alternating which goes first, so neither always gets the quieter minute.
      for (const mode of round % 2 === 1 ? modes : [...modes].reverse()) {
        progress.step(`round ${round}: ${workload.name}, routing ${mode}`);
        process.env.BENCH_ROUTING = mode;
        const servers = await startScaleOutServers(mode === "one" ? scaleOutSetups[1] : scaleOutSetups[2], postgres);
        try {
          await postgres.query("SELECT pg_stat_reset_shared('wal')");
          const ticksBefore = await postgresTicks();
          const load = loadavg()[0]!.toFixed(1);
          const result = await measureScaleOut(servers, {
            streamPerClient: workload.streamPerClient,
            name: `/bench/routing-${round}-${mode}`,
            durationMs,
            warmupMs,
            progress,
          });
          const ticks = (await postgresTicks()) - ticksBefore;
          const { wal_sync } = (await postgres.query<{ wal_sync: string }>("SELECT wal_sync FROM pg_stat_wal"))[0]!;
          const appends = result.perSecond * ((durationMs + warmupMs) / 1000);
          rows.push(
            `| ${round} | ${workload.name} | ${mode} | ${Math.round(result.perSecond).toLocaleString("en-US")} | ${result.cpuMsPerAppend.toFixed(3)} | ${((ticks * 10) / appends).toFixed(3)} | ${(appends / Number(wal_sync)).toFixed(1)} | ${load} |`,
          );
        } finally {
          for (const server of servers) await server.close();
        }
      }
    }
  }
} finally {
  progress.done("");
  await postgres.stop();
}
console.log(
  `PostgreSQL, 3 servers (routing on or off) or 1 (one), 32 clients, ${values.seconds} s measured after 2 s warm-up; CPU and flushes counted over both.`,
);
console.log("| round | workload | setup | appends/s | servers' CPU ms per append | PostgreSQL CPU ms per append | appends per WAL flush | load |");
console.log("|---|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);

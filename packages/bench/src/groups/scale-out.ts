import { allOf, ratioAtLeast, spreadOf, type ColumnId, type FigureSpec, type MeasuredFigure } from "../figures.ts";
import { n, seconds } from "../format.ts";
import type { BenchGroup } from "../group.ts";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";
import type { PrivatePostgres } from "../postgres.ts";
import {
  measureScaleOut,
  scaleOutClients,
  scaleOutSetups,
  scaleOutWorkloads,
  startScaleOutServers,
  type ScaleOutResult,
  type ScaleOutSetup,
} from "../scenarios/scale-out.ts";
import type { ServerProcess } from "../server-process.ts";

// Both targets of issue 10: PostgreSQL on one server keeps at least half of SQLite's rate, and three
// servers on one database are never slower than one.
const target = allOf(ratioAtLeast("sqlite", 0.5, "postgres"), ratioAtLeast("postgres", 1, "postgres-3"));

const figures = [
  { id: "scale-out.one-stream", label: "Scale-out: appends/s, one stream, 32 clients", unit: "appends/s", better: "higher", target },
  { id: "scale-out.32-streams", label: "Scale-out: appends/s, 32 streams, 32 clients", unit: "appends/s", better: "higher", target },
] as const satisfies FigureSpec[];

const sizesFor = (quick: boolean) => (quick ? { durationMs: 1000, warmupMs: 300 } : { durationMs: 6000, warmupMs: 2000 });

/**
 * Scale-out (docs/scaling.md): 32 closed-loop clients on one server on SQLite, one server on PostgreSQL
 * and three servers on one PostgreSQL database (the clients split evenly over them), on one stream and
 * on 32 streams, in interleaved rounds. PostgreSQL runs with fsync on in a cluster of the group's own (the
 * run's shared cluster has it off), so these are durable figures on both backends.
 * scale-out.ts runs the same measurement on its own, with restarts.
 */
export const group: BenchGroup = {
  name: "scale-out",
  order: 15,
  steps: () => scaleOutWorkloads.length,
  figures,
  async run(context) {
    const { progress, results, details, rounds } = context;
    const size = sizesFor(context.quick);
    let postgres: PrivatePostgres | string = context.postgres;
    if (typeof postgres !== "string") {
      postgres = await startPrivatePostgres({ fsync: true }).catch(
        (error: Error) => `a private PostgreSQL cluster with fsync on did not start: ${error.message.split("\n")[0]}`,
      );
    }
    const setups = scaleOutSetups.filter((setup) => !setup.postgres || typeof postgres !== "string");
    const missing: Partial<Record<ColumnId, string>> = typeof postgres === "string" ? { postgres, "postgres-3": postgres } : {};
    const running = new Map<ScaleOutSetup["id"], ServerProcess[]>();
    try {
      // Each setup's servers run through every round and workload (a fresh stream each time), on a database of their own.
      for (const setup of setups) {
        running.set(setup.id, await startScaleOutServers(setup, typeof postgres === "string" ? undefined : postgres, { profileDir: context.profileDir }));
      }
      for (const workload of scaleOutWorkloads) {
        progress.step(`scale-out, ${workload.name}: ${setups.map((setup) => setup.name).join(", ")}; ${rounds} interleaved rounds`);
        const runs = new Map<ScaleOutSetup["id"], ScaleOutResult[]>(setups.map((setup) => [setup.id, []]));
        for (let round = 0; round < rounds; round++) {
          for (const setup of setups) {
            runs.get(setup.id)!.push(
              await measureScaleOut(running.get(setup.id)!, {
                streamPerClient: workload.streamPerClient,
                name: `/bench/scale-out-${workload.id}-${round}`,
                durationMs: size.durationMs,
                warmupMs: size.warmupMs,
                progress,
              }),
            );
          }
        }
        const figure: MeasuredFigure = { values: {}, ...(Object.keys(missing).length > 0 ? { missing } : {}) };
        for (const [id, list] of runs) figure.values[id] = spreadOf(list.map((run) => run.perSecond));
        results.set(`scale-out.${workload.id}`, figure);
        const medianCpu = (list: ScaleOutResult[]) => spreadOf(list.map((run) => run.cpuMsPerAppend)).median.toFixed(2);
        progress.done(setups.map((setup) => `${setup.id} ${n(figure.values[setup.id]!.median)}/s`).join(", "));
        details.push(
          `- **Scale-out, ${workload.name}**: ${scaleOutClients} closed-loop clients (one event per request, ${workload.streamPerClient ? "each on a stream of its own" : "all on one stream"}) split evenly over the servers, ${seconds(size.durationMs)} measured after ${seconds(size.warmupMs)} warm-up per run; PostgreSQL with fsync on, SQLite with \`fsync normal\`. Server CPU per append (all server processes together, median run; PostgreSQL's own CPU not counted): ${setups.map((setup) => `${setup.name} ${medianCpu(runs.get(setup.id)!)} ms`).join("; ")}.`,
        );
      }
    } finally {
      for (const servers of running.values()) for (const server of servers) context.cpu.addChild(await server.close());
      if (typeof postgres !== "string" && postgres !== context.postgres) await postgres.stop();
    }
  },
};

/**
 * The figures behind docs/scaling.md, on this machine: one server on SQLite, one and three servers on one
 * PostgreSQL database (fsync on), 32 clients appending to one stream and to 32 streams; then how long the
 * servers take to accept appends again after `pg_ctl -m fast restart` under load.
 *
 * Every server is a real process (`server-child.ts`; `BENCH_POSTGRES_URL` puts it on PostgreSQL), the
 * load is split evenly over the servers, and the setups are measured in interleaved rounds (the median is
 * reported with the spread), so a noisy minute on a shared machine hits all of them alike. `npm run bench`
 * measures the same (its scale-out group, without the restarts); this runs it on its own:
 *
 *   NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/scale-out.ts [--seconds 8] [--rounds 3] [--restarts 3] [--synchronous-commit off]
 *
 * `--setups postgres,postgres-3` and `--workloads one-stream` pick some of them; `--profile DIR` writes a V8
 * CPU profile of every server process there. `postgres-capped` and `postgres-3-capped` are the same with
 * every server process capped at `BENCH_SERVER_CAP` of a core (0.3 by default; cgroup v1, as root: where
 * that is not possible they are left out and the report says why). The setups and the measurement are shared with the bench's
 * scale-out group (scenarios/scale-out.ts).
 *
 * `--synchronous-commit off` sets it on every PostgreSQL database of the run (`ALTER DATABASE`), the
 * trade docs/scaling.md describes.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createHttpClient } from "./http-client.ts";
import { startPrivatePostgres } from "../../server/test/support/postgres.ts";
import { createProgress } from "./progress.ts";
import { measureScaleOut, scaleOutClients, scaleOutSetups, scaleOutWorkloads, startScaleOutServers, whyNotCapped } from "./scenarios/scale-out.ts";
import type { ServerProcess } from "./server-process.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    restarts: { type: "string", default: "3" },
    "synchronous-commit": { type: "string", default: "on" },
    /** Only these setups (comma-separated ids: sqlite, postgres, postgres-3, postgres-capped, postgres-3-capped) and workloads (one-stream, 32-streams). */
    setups: { type: "string" },
    workloads: { type: "string" },
    /** A V8 CPU profile of every server process, written here. */
    profile: { type: "string" },
  },
});
const synchronousCommit = values["synchronous-commit"];
if (synchronousCommit !== "on" && synchronousCommit !== "off") throw new Error("--synchronous-commit must be on or off");
const durationMs = Number(values.seconds) * 1000;
const rounds = Number(values.rounds);
const restarts = Number(values.restarts);
const clients = scaleOutClients;
const pick = <T extends { id: string }>(all: readonly T[], list: string | undefined) => (list ? all.filter((item) => list.split(",").includes(item.id)) : all);
const notCapped = whyNotCapped();
const setups = pick(scaleOutSetups, values.setups).filter((setup) => !setup.capped || notCapped === undefined);
const workloads = pick(scaleOutWorkloads, values.workloads);

// fsync on (the bench's own cluster, like the tests', runs with it off): these are the durable figures.
const postgres = await startPrivatePostgres({ fsync: true });
const progress = createProgress(rounds * setups.length * workloads.length + restarts);

const figures = new Map<string, number[]>();
const cpuPerAppend = new Map<string, number[]>();
const coresPerServer = new Map<string, number[][]>();
const loadAtStart = loadavg()[0]!.toFixed(1);
try {
  for (let round = 1; round <= rounds; round++) {
    for (const workload of workloads) {
      for (const setup of setups) {
        progress.step(`round ${round}: ${workload.name}, ${setup.name}`);
        const servers = await startScaleOutServers(setup, postgres, { synchronousCommit, profileDir: values.profile });
        try {
          const {
            perSecond,
            cpuMsPerAppend,
            coresPerServer: cores,
          } = await measureScaleOut(servers, {
            streamPerClient: workload.streamPerClient,
            name: `/bench/scale-${round}`,
            durationMs,
            warmupMs: 2000,
            progress,
          });
          const key = `${workload.name} | ${setup.name}`;
          figures.set(key, [...(figures.get(key) ?? []), perSecond]);
          cpuPerAppend.set(key, [...(cpuPerAppend.get(key) ?? []), cpuMsPerAppend]);
          coresPerServer.set(key, [...(coresPerServer.get(key) ?? []), cores]);
          progress.done(
            `${Math.round(perSecond).toLocaleString("en-US")} appends/s, ${cpuMsPerAppend.toFixed(2)} server CPU ms per append, servers at ${cores.map((each) => each.toFixed(2)).join(" / ")} of a core`,
          );
        } finally {
          for (const server of servers) await server.close();
        }
      }
    }
  }

  const recoveries: { restartMs: number; firstAcceptedMs: number[]; refused: number; other: Record<string, number> }[] = [];
  for (let trial = 1; trial <= restarts; trial++) {
    progress.step(`restart ${trial}: pg_ctl -m fast restart under 12 appending clients on 3 servers`);
    const servers = await startScaleOutServers(scaleOutSetups[2], postgres, { synchronousCommit });
    try {
      recoveries.push(await measureRestart(servers, trial));
      const last = recoveries.at(-1)!;
      progress.done(
        `restart took ${last.restartMs} ms; servers accepted appends again ${last.firstAcceptedMs.join(", ")} ms after it began; ${last.refused} appends refused with 503`,
      );
    } finally {
      for (const server of servers) await server.close();
    }
  }

  const lines = [`# Scale-out on this machine (PostgreSQL ${postgres.version}, fsync on, synchronous_commit ${synchronousCommit}; SQLite --fsync normal)`, ""];
  lines.push(`${availableParallelism()} cores; 1-minute load average ${loadAtStart} at the start, ${loadavg()[0]!.toFixed(1)} at the end.`, "");
  lines.push(
    `${clients} closed-loop clients, one event per request, ${durationMs / 1000} s measured after 2 s warm-up, ${rounds} interleaved rounds: median (min–max) appends/s.`,
    "",
  );
  if (notCapped !== undefined) lines.push(`The capped setups were not measured: ${notCapped}.`, "");
  lines.push("| workload | setup | appends/s | server CPU ms per append | each server's CPU, cores (median run) |", "|---|---|---|---|---|");
  for (const [key, runs] of figures) {
    const sorted = [...runs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const cpu = [...cpuPerAppend.get(key)!].sort((a, b) => a - b);
    const [workload, setup] = key.split(" | ");
    const cores = coresPerServer
      .get(key)!
      [runs.indexOf(median)]!.map((each) => each.toFixed(2))
      .join(" / ");
    lines.push(
      `| ${workload} | ${setup} | ${fmt(median)} (${fmt(sorted[0]!)}–${fmt(sorted.at(-1)!)}) | ${cpu[Math.floor(cpu.length / 2)]!.toFixed(2)} | ${cores} |`,
    );
  }
  lines.push("", "Restart recovery (3 servers, 12 clients appending to their own streams, `pg_ctl -m fast restart`):", "");
  lines.push("| trial | restart took | each server accepted appends again after | refused (503) | other answers |", "|---|---|---|---|---|");
  for (const [index, recovery] of recoveries.entries()) {
    lines.push(
      `| ${index + 1} | ${recovery.restartMs} ms | ${recovery.firstAcceptedMs.map((ms) => `${ms} ms`).join(", ")} | ${recovery.refused} | ${JSON.stringify(recovery.other)} |`,
    );
  }
  console.log(lines.join("\n"));
} finally {
  await postgres.stop();
}

/**
 * Runs 4 clients per server appending to streams of their own, restarts PostgreSQL, and reports how long
 * the restart took and, per server, the time from the restart's start to its first accepted append that
 * was sent after the restart finished.
 */
async function measureRestart(servers: ServerProcess[], trial: number) {
  const https = servers.map((server) => createHttpClient(server.url, { connections: 4 }));
  let stop = false;
  let restartedAt = Number.POSITIVE_INFINITY;
  const firstAccepted: (number | undefined)[] = servers.map(() => undefined);
  let refused = 0;
  const other: Record<string, number> = {};
  const loops = servers.flatMap((_, index) =>
    Array.from({ length: 4 }, async (_, client) => {
      const path = `/api/streams/bench/restart-${trial}/s${index}-c${client}`;
      while (!stop) {
        const sent = performance.now();
        const response = await https[index]!.post(path, `{"type":"bench/appended","payload":{"client":${client}}}`).catch((error: Error) => ({
          status: 0,
          body: error.message,
        }));
        if (response.status === 201) {
          if (sent >= restartedAt && firstAccepted[index] === undefined) firstAccepted[index] = performance.now();
        } else if (response.status === 503) {
          refused += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          other[response.status] = (other[response.status] ?? 0) + 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const began = performance.now();
  await postgres.restart();
  restartedAt = performance.now();
  while (firstAccepted.some((at) => at === undefined) && performance.now() - began < 60_000) await new Promise((resolve) => setTimeout(resolve, 20));
  stop = true;
  await Promise.all(loops);
  for (const http of https) http.close();
  return {
    restartMs: Math.round(restartedAt - began),
    firstAcceptedMs: firstAccepted.map((at) => (at === undefined ? Number.NaN : Math.round(at - began))),
    refused,
    other,
  };
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

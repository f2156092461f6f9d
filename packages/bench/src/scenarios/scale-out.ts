import { createCpuCap, type CpuCap } from "../../../server/test/support/cpu-cap.ts";
import type { PrivatePostgres } from "../postgres.ts";
import type { Progress } from "../progress.ts";
import { startServerProcess, type ServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";
import { measureAppendThroughput } from "./append-throughput.ts";

/**
 * The fraction of a core every server process gets in the capped setups (a cgroup CPU quota, cpu-cap.ts),
 * as if each ran on a small machine of its own. 0.3, so that the machine is not the limit: three capped
 * servers take at most 0.9 of this machine's 2 cores, and at the rate they can reach (0.9 core at about
 * 0.2 ms of server CPU per append, ~4,500 appends/s) PostgreSQL needs about 0.15-0.35 of a core
 * (0.03-0.08 ms per append) and the 32 clients about 0.2 (~50 µs per append), 1.3-1.5 cores in all.
 * At 0.4 that sum is 1.8-2.0, the whole machine. One capped server (0.3) is well below the 0.6-0.7 of a
 * core one server uses uncapped, so it is bound by its cap too. `BENCH_SERVER_CAP` sets another.
 */
export const scaleOutCapCores = Number(process.env.BENCH_SERVER_CAP ?? 0.3);

/**
 * The setups scale-out compares: one server on SQLite, one and three servers on one PostgreSQL database
 * sharing this machine's cores, and one and three PostgreSQL servers each capped at `scaleOutCapCores`.
 */
export const scaleOutSetups = [
  { id: "sqlite", name: "SQLite, 1 server", servers: 1, postgres: false, capped: false },
  { id: "postgres", name: "PostgreSQL, 1 server", servers: 1, postgres: true, capped: false },
  { id: "postgres-3", name: "PostgreSQL, 3 servers", servers: 3, postgres: true, capped: false },
  { id: "postgres-capped", name: `PostgreSQL, 1 server capped at ${scaleOutCapCores} core`, servers: 1, postgres: true, capped: true },
  { id: "postgres-3-capped", name: `PostgreSQL, 3 servers each capped at ${scaleOutCapCores} core`, servers: 3, postgres: true, capped: true },
] as const;
export type ScaleOutSetup = (typeof scaleOutSetups)[number];

/** Whether this machine can cap a process's CPU (cgroup v1, writable): undefined if it can, else why not. */
export function whyNotCapped(): string | undefined {
  const probe = createCpuCap(`tributary-bench-probe-${process.pid}`, scaleOutCapCores);
  if (typeof probe === "string") return probe;
  probe.remove();
  return undefined;
}

/** One stream shared by every client, or one stream per client. */
export const scaleOutWorkloads = [
  { id: "one-stream", name: "one stream", streamPerClient: false },
  { id: "32-streams", name: "32 streams", streamPerClient: true },
] as const;
export type ScaleOutWorkload = (typeof scaleOutWorkloads)[number];

/** Clients in every scale-out measurement, split evenly over the servers. */
export const scaleOutClients = 32;

/**
 * Starts a setup's servers, each its own process (`server-child.ts`), on a fresh database of `postgres`
 * (with `synchronous_commit` set on it) or on SQLite; in a capped setup each process is put under a CPU
 * quota of its own once it listens (throws if the machine cannot: check `whyNotCapped` first). Stop them
 * with `server.close()` (which removes the cap too).
 *
 * @example
 * const servers = await startScaleOutServers(scaleOutSetups[2], postgres);
 */
export async function startScaleOutServers(
  setup: ScaleOutSetup,
  postgres: PrivatePostgres | undefined,
  options: { synchronousCommit?: "on" | "off"; profileDir?: string | undefined } = {},
): Promise<ServerProcess[]> {
  let env: Record<string, string> = {};
  if (setup.postgres) {
    if (!postgres) throw new Error(`${setup.name} needs a PostgreSQL cluster`);
    const url = await postgres.createDatabase();
    await postgres.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = ${options.synchronousCommit ?? "on"}`);
    // The servers route a stream written through several of them to one (docs/scaling.md); off: BENCH_ROUTING=off.
    env = { BENCH_POSTGRES_URL: url, ...(process.env.BENCH_ROUTING === "off" ? {} : { BENCH_CLUSTER_SECRET: "bench-cluster-secret-0123456789" }) };
  }
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < setup.servers; i++) {
      const server = await startServerProcess({ fsync: "normal", env, cpuProfileDir: options.profileDir });
      servers.push(setup.capped ? capped(server, i) : server);
    }
  } catch (error) {
    for (const server of servers) await server.close();
    throw error;
  }
  return servers;
}

/** `server` under a CPU quota of its own (scaleOutCapCores), removed when it closes. */
function capped(server: ServerProcess, index: number): ServerProcess {
  const cap: CpuCap | string = createCpuCap(`tributary-bench-${process.pid}-${server.pid}-${index}`, scaleOutCapCores);
  if (typeof cap === "string") {
    void server.close();
    throw new Error(`cannot cap the servers' CPU: ${cap}`);
  }
  cap.add(server.pid);
  return {
    ...server,
    async close() {
      try {
        return await server.close();
      } finally {
        cap.remove();
      }
    },
  };
}

export interface ScaleOutResult {
  /** Appends acknowledged per second, all servers together. */
  perSecond: number;
  /** The servers' CPU time (all processes together, warm-up included; PostgreSQL's own not counted) per append. */
  cpuMsPerAppend: number;
  /** Each server's CPU time per second of the measurement (warm-up included), in cores: at a cap, about the cap. */
  coresPerServer: number[];
}

/**
 * Appends/s of 32 closed-loop clients (one event per request) split evenly over `servers`, all at once:
 * on one stream every server appends to the same one; with `streamPerClient` each client has its own.
 *
 * @example
 * const { perSecond } = await measureScaleOut(servers, { streamPerClient: false, name: "/bench/scale-1", durationMs: 6000, warmupMs: 2000, progress });
 */
export async function measureScaleOut(
  servers: ServerProcess[],
  options: { streamPerClient: boolean; name: string; durationMs: number; warmupMs: number; progress: Progress },
): Promise<ScaleOutResult> {
  await Promise.all(servers.map((server) => server.stats()));
  const shares = servers.map((_, index) => Math.floor(scaleOutClients / servers.length) + (index < scaleOutClients % servers.length ? 1 : 0));
  const results = await Promise.all(
    servers.map((server, index) =>
      measureAppendThroughput(server.url, tributaryWire, {
        clients: shares[index]!,
        batchSize: 1,
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        name: options.streamPerClient ? `${options.name}/server-${index}` : options.name,
        streamPerClient: options.streamPerClient,
        progress: options.progress,
      }),
    ),
  );
  const perSecond = results.reduce((sum, result) => sum + result.requestsPerSecond, 0);
  const stats = await Promise.all(servers.map((server) => server.stats()));
  const cpuMs = stats.reduce((sum, each) => sum + each.cpuUserMs + each.cpuSystemMs, 0);
  return {
    perSecond,
    cpuMsPerAppend: cpuMs / (perSecond * ((options.durationMs + options.warmupMs) / 1000)),
    coresPerServer: stats.map((each) => (each.cpuUserMs + each.cpuSystemMs) / each.wallMs),
  };
}

import type { PrivatePostgres } from "../postgres.ts";
import type { Progress } from "../progress.ts";
import { startServerProcess, type ServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";
import { measureAppendThroughput } from "./append-throughput.ts";

/** The setups scale-out compares: one server on SQLite, one and three servers on one PostgreSQL database. */
export const scaleOutSetups = [
  { id: "sqlite", name: "SQLite, 1 server", servers: 1, postgres: false },
  { id: "postgres", name: "PostgreSQL, 1 server", servers: 1, postgres: true },
  { id: "postgres-3", name: "PostgreSQL, 3 servers", servers: 3, postgres: true },
] as const;
export type ScaleOutSetup = (typeof scaleOutSetups)[number];

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
 * (with `synchronous_commit` set on it) or on SQLite. Stop them with `server.close()`.
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
    for (let i = 0; i < setup.servers; i++) servers.push(await startServerProcess({ fsync: "normal", env, cpuProfileDir: options.profileDir }));
  } catch (error) {
    for (const server of servers) await server.close();
    throw error;
  }
  return servers;
}

export interface ScaleOutResult {
  /** Appends acknowledged per second, all servers together. */
  perSecond: number;
  /** The servers' CPU time (all processes together, warm-up included; PostgreSQL's own not counted) per append. */
  cpuMsPerAppend: number;
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
  const cpuMs = (await Promise.all(servers.map((server) => server.stats()))).reduce((sum, stats) => sum + stats.cpuUserMs + stats.cpuSystemMs, 0);
  return { perSecond, cpuMsPerAppend: cpuMs / (perSecond * ((options.durationMs + options.warmupMs) / 1000)) };
}

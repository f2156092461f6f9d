import { fileURLToPath } from "node:url";
import type { PrivatePostgres } from "./postgres.ts";
import { startServerProcess, type ServerProcess } from "./server-process.ts";
import { durableStreamsWire, tributaryWire, type Wire } from "./wire.ts";

/**
 * The servers every workload runs against, side by side in one run with the same client code. The
 * report's columns, in this order.
 */
export const subjectIds = ["sqlite", "postgres", "floor", "ds-memory", "ds-file"] as const;
export type SubjectId = (typeof subjectIds)[number];

export interface Subject {
  id: SubjectId;
  /** The column heading in the report. */
  label: string;
  wire: Wire;
}

export const subjects: Record<SubjectId, Subject> = {
  sqlite: { id: "sqlite", label: "Tributary (SQLite)", wire: tributaryWire },
  postgres: { id: "postgres", label: "Tributary (PostgreSQL)", wire: tributaryWire },
  floor: { id: "floor", label: "HTTP floor", wire: tributaryWire },
  "ds-memory": { id: "ds-memory", label: "Reference (memory)", wire: durableStreamsWire },
  "ds-file": { id: "ds-file", label: "Reference (file)", wire: durableStreamsWire },
};

/** A subject's running server, or why it is not running in this run. */
export type RunningSubject = Subject & { server: ServerProcess };

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/**
 * Starts one subject's server in its own process on a fresh data directory (a fresh database for
 * PostgreSQL). Tributary runs with `fsync normal`: every acknowledged append survives `kill -9`.
 *
 * @example
 * const floor = await startSubject("floor", { postgres: undefined });
 */
export async function startSubject(
  id: SubjectId,
  options: { postgres: PrivatePostgres | undefined; profileDir?: string | undefined },
): Promise<RunningSubject> {
  const common = { fsync: "normal" as const, cpuProfileDir: options.profileDir };
  let server: ServerProcess;
  if (id === "sqlite") server = await startServerProcess(common);
  else if (id === "postgres") {
    if (!options.postgres) throw new Error("no PostgreSQL in this run");
    server = await startServerProcess({ ...common, env: { BENCH_POSTGRES_URL: await options.postgres.createDatabase() } });
  } else if (id === "floor") server = await startServerProcess({ ...common, script: script("./floor-child.ts") });
  else server = await startServerProcess({ ...common, script: script("./ds-reference-child.ts"), env: id === "ds-memory" ? { BENCH_DS_MEMORY: "1" } : {} });
  return { ...subjects[id], server };
}

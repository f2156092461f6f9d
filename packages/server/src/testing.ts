import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startServer, type RunningServer, type ServerOptions } from "./server.ts";
import { createPostgresStore } from "./store/postgres/postgres-store.ts";

export { postgresInstalled, startPrivatePostgres, type PrivatePostgres } from "./store/postgres/private-postgres.ts";

export interface TestServer extends RunningServer {
  dataDir: string;
}

/** Set by the test suite's PostgreSQL project: an admin connection string of a private server. */
const postgresAdminUrl = process.env.TRIBUTARY_TEST_POSTGRES_ADMIN_URL;
/** A data directory stands for one database, so a test can "restart on the same data" on either backend. */
const databases = new Map<string, string>();
let databaseCounter = 0;

async function databaseFor(dataDir: string): Promise<string> {
  const known = databases.get(dataDir);
  if (known) return known;
  const name = `t_${process.pid}_${++databaseCounter}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl!);
  url.pathname = `/${name}`;
  databases.set(dataDir, url.toString());
  return url.toString();
}

/**
 * Starts a real server on a free port with a real SQLite file in a fresh temporary directory (or, when the
 * suite runs against PostgreSQL, a fresh database on the private PostgreSQL server). `close()` stops it
 * and removes the directory (unless `keepDataDir`). Passing the same `dataDir` again reopens the same data.
 *
 * @example
 * const server = await startTestServer();
 * await fetch(`${server.url}/api/streams/a`, { method: "POST", body: '{"type":"x"}' });
 * await server.close();
 */
export async function startTestServer(options: ServerOptions & { keepDataDir?: boolean } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "tributary-test-"));
  const store = options.store ?? (postgresAdminUrl ? await createPostgresStore({ connectionString: await databaseFor(dataDir) }) : undefined);
  const server = await startServer({ logLevel: "warn", ...options, port: options.port ?? 0, dataDir, store });
  return {
    ...server,
    dataDir,
    async close() {
      await server.close();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Which storage backend the test servers use: `sqlite`, or `postgres` in the suite's PostgreSQL project. */
export const testBackend: "sqlite" | "postgres" = postgresAdminUrl ? "postgres" : "sqlite";

/**
 * Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs` naming
 * `what`. Tests wait for conditions with it instead of sleeping.
 *
 * @example
 * const event = await waitFor(async () => (await readEvents()).find((e) => e.type === "pong"), "the pong");
 */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves once a child process's output pipes have ended, or after `graceMs`: "exit" can fire before the
 * last chunks are read on a loaded machine, and a grandchild that keeps the pipes open must not hang a test.
 *
 * @example
 * child.once("exit", (code) => void outputDrained(child).then(() => resolve(code)));
 */
export function outputDrained(child: ChildProcess, graceMs = 2000): Promise<void> {
  const ended = [child.stdout, child.stderr].map((stream) =>
    !stream || stream.readableEnded || stream.destroyed
      ? Promise.resolve()
      : new Promise<void>((resolve) => stream.once("end", resolve).once("close", resolve)),
  );
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  return Promise.race([Promise.all(ended).then(() => undefined), grace]).finally(() => clearTimeout(timer));
}

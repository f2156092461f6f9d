import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PrivatePostgres {
  /** The major version of the installed PostgreSQL. */
  version: string;
  /** Connection string of a fresh, empty database on the private server. */
  createDatabase(): Promise<string>;
  /** `pg_ctl -m fast restart`: every connection is terminated, the server is back when this resolves. */
  restart(): Promise<void>;
  /** `pg_ctl -m immediate stop` (a crash: no checkpoint, what is only in shared memory is lost), then `pg_ctl start`. */
  crash(): Promise<void>;
  /** `pg_ctl -m fast stop` (an outage) and `pg_ctl start` (the end of it). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Runs one statement as the superuser on `database` (default: the admin database). */
  query<Row = Record<string, unknown>>(sql: string, database?: string): Promise<Row[]>;
  stop(): Promise<void>;
}

function postgresBin(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("PostgreSQL is not installed: apt-get install postgresql (npm test does it as root)");
  return join("/usr/lib/postgresql", versions[0]!, "bin");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** True when a PostgreSQL server can be started here (Debian's `postgresql` package is installed). */
export function postgresInstalled(): boolean {
  try {
    return readdirSync("/usr/lib/postgresql").length > 0;
  } catch {
    return false;
  }
}

/**
 * Starts a private PostgreSQL server in a temporary directory (initdb + pg_ctl, about a second), as the
 * `postgres` user when running as root. Each test database is created fresh with `createDatabase()`.
 * `fsync: false` (the default, for tests) trades durability for speed; the benchmark keeps fsync on.
 *
 * @example
 * const postgres = await startPrivatePostgres();
 * const url = await postgres.createDatabase();
 * await postgres.stop();
 */
export async function startPrivatePostgres(settings: { fsync?: boolean } = {}): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), "tributary-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = userIds("postgres");
    chownSync(dir, uid, gid);
  }
  const run = (command: string, args: string[]) =>
    execFileSync(asRoot ? "runuser" : join(bin, command), asRoot ? ["-u", "postgres", "--", join(bin, command), ...args] : args, { stdio: "pipe" });
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${settings.fsync ? "on" : "off"} -c max_connections=200`;
  const start = () => run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-o", options, "start"]);
  start();
  // A connection per statement, so a restart of the server never leaves a broken admin client behind.
  async function query<Row>(sql: string, database = "postgres"): Promise<Row[]> {
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${port}/${database}`,
    });
    client.on("error", () => undefined);
    await client.connect();
    try {
      return (await client.query(sql)).rows as Row[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  let counter = 0;
  return {
    version: bin.split("/").at(-2)!,
    async createDatabase() {
      const name = `t_${process.pid}_${++counter}`;
      await query(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-m", "fast", "-w", "-o", options, "restart"]);
    },
    async crash() {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      start();
    },
    async stopServer() {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    },
    async startServer() {
      start();
    },
    query,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", name]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", name]).toString().trim());
  return { uid, gid };
}

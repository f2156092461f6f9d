import { existsSync, readFileSync } from "node:fs";
import { startPrivatePostgres, type PrivatePostgres } from "../../server/test/support/postgres.ts";

export type { PrivatePostgres };

/**
 * A private PostgreSQL cluster for the bench's PostgreSQL column, started the way the server's tests
 * start theirs (initdb + pg_ctl in a temporary directory; `fsync=off`, as in the tests), or the reason
 * there is none on this machine.
 *
 * @example
 * const postgres = await startBenchPostgres();
 * if (typeof postgres !== "string") await postgres.stop();
 */
export async function startBenchPostgres(): Promise<PrivatePostgres | string> {
  if (!existsSync("/usr/lib/postgresql")) return "PostgreSQL is not installed on this machine";
  try {
    return await startPrivatePostgres();
  } catch (error) {
    return `a private PostgreSQL cluster did not start: ${(error as Error).message.split("\n")[0]}`;
  }
}

/**
 * CPU ticks (1/100 s, user + system) of every PostgreSQL process that `pg_stat_activity` lists (backends
 * and background processes), from /proc: the difference of two calls is the database's CPU meanwhile.
 *
 * @example
 * const before = await postgresCpuTicks(postgres);
 */
export async function postgresCpuTicks(postgres: PrivatePostgres): Promise<number> {
  let ticks = 0;
  for (const { pid } of await postgres.query<{ pid: number }>("SELECT pid FROM pg_stat_activity")) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

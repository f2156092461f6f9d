import { existsSync } from "node:fs";
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

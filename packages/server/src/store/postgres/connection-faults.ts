import { TributaryError } from "@tributary/protocol";

/** How long a client is told to wait before retrying while the database is away (`Retry-After`). */
export const retryAfterSeconds = 1;

// SQLSTATE classes and codes that mean "the database is not there right now", not "the request is wrong".
const faultCodes = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
const faultMessages =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout|the database system is (starting up|shutting down|in recovery mode)|server closed the connection unexpectedly/i;

/**
 * True when an error from `pg` means the connection to PostgreSQL failed (a restart, an outage, a killed
 * backend), so the request may well succeed if retried later, rather than a bug or a refused statement.
 */
export function isConnectionFault(error: unknown): boolean {
  if (error instanceof TributaryError) return error.code === "storage_unavailable";
  const code = String((error as { code?: unknown } | undefined)?.code ?? "");
  if (code.startsWith("08") || faultCodes.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionFault);
  return faultMessages.test(String((error as { message?: unknown } | undefined)?.message ?? ""));
}

/**
 * Turns a connection fault into `storage_unavailable` (503 with `Retry-After`), so clients and load
 * balancers see "come back in a second" instead of a 500; any other error is returned as it is.
 */
export function asUnavailable(error: unknown): unknown {
  if (!isConnectionFault(error) || error instanceof TributaryError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new TributaryError("storage_unavailable", `The database cannot be reached (${reason}); retry in a moment.`, { retryAfterSeconds });
}

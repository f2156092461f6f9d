import { TributaryError } from "@tributary/protocol";

/** The longest a server's `Retry-After` is honoured for; a longer one is capped here. */
const maxRetryAfterMs = 60_000;

/**
 * Whether a failed request may succeed if made again unchanged, and after how long: the one rule every
 * retry loop of the SDK and the agent follows.
 *
 * 1. Transient, tried again: the server could not be reached (`unavailable`: refused, reset, DNS), any 5xx
 *    (a restart, a database away: 503 `storage_unavailable`), and 429 (a rate limit).
 * 2. A `Retry-After` the server sent (429, 503) is the delay, up to 60 s; otherwise `backoffMs`.
 * 3. Everything else is permanent and answered with `undefined`: a 4xx says what is wrong with the
 *    request (a token without the scope, an event too large, an invalid one), and repeating it changes
 *    nothing, so the caller surfaces the server's message at once. A paused stream (423) is not retried
 *    on a timer either: it is resumed by an event (`stream/resumed`), which is when to try again.
 * 4. An error that is not a `TributaryError` (a bug, an aborted signal) is never retried.
 *
 * @example
 * const delay = retryDelayFor(error, 500);
 * if (delay === undefined) throw error; // permanent: say so now
 * await sleep(delay);
 */
export function retryDelayFor(error: unknown, backoffMs: number): number | undefined {
  if (!(error instanceof TributaryError)) return undefined;
  const status = typeof error.details.httpStatus === "number" ? error.details.httpStatus : error.status;
  const transient = error.code === "unavailable" || status >= 500 || status === 429;
  if (!transient) return undefined;
  const retryAfterMs = error.details.retryAfterMs;
  return typeof retryAfterMs === "number" && retryAfterMs >= 0 ? Math.min(retryAfterMs, maxRetryAfterMs) : backoffMs;
}

/** A `Retry-After` header (seconds, or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

import { setTimeout as sleep } from "node:timers/promises";
import { TributaryError } from "@tributary/protocol";
import type { RuntimeLogger } from "./runtime-logger.ts";

/**
 * Retries `work` while the server is unreachable or answers 5xx (it may be restarting), with a backoff
 * of 0.1 s doubling to 5 s, until it succeeds or `signal` aborts. A 4xx answer is thrown at once.
 *
 * @example
 * const offset = await retrying(() => client.getCursor("/a", "mailer"), { signal, logger, what: "reading a cursor" });
 */
export async function retrying<T>(work: () => Promise<T>, options: { signal: AbortSignal; logger: RuntimeLogger; what: string }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retryable = error instanceof TributaryError && error.status >= 500;
      if (!retryable || options.signal.aborted) throw error;
      options.logger.warn(`${options.what} failed; retrying`, { attempt, error: error.message });
      await sleep(Math.min(5_000, 100 * 2 ** (attempt - 1)), undefined, { signal: options.signal });
    }
  }
}

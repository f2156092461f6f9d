import { setTimeout as sleep } from "node:timers/promises";
import { retryDelayFor } from "../client/retry-policy.ts";
import type { RuntimeLogger } from "./runtime-logger.ts";

/**
 * Retries `work` while its failure is transient (`retryDelayFor`: unreachable, 5xx, 429), with a backoff
 * of 0.1 s doubling to 5 s (or the server's `Retry-After`), until it succeeds or `signal` aborts. Any
 * other failure (a 4xx) is thrown at once, with the server's message.
 *
 * @example
 * const offset = await retrying(() => client.getCursor("/a", "mailer"), { signal, logger, what: "reading a cursor" });
 */
export async function retrying<T>(work: () => Promise<T>, options: { signal: AbortSignal; logger: RuntimeLogger; what: string }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delayMs = retryDelayFor(error, Math.min(5_000, 100 * 2 ** (attempt - 1)));
      if (delayMs === undefined || options.signal.aborted) throw error;
      options.logger.warn(`${options.what} failed; retrying`, { attempt, delayMs, error: (error as Error).message });
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }
}

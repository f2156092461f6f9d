import type { Logger } from "./logger.ts";
import type { StreamStore } from "./store/stream-store.ts";

/**
 * Keeps a named lease on the store for this server, renewing it every third of its time to live.
 *
 * 1. `onAcquired` runs once, when the lease is first held (at start on SQLite; on PostgreSQL when no other
 *    server holds it, or when the holder stopped renewing for `ttlMs`).
 * 2. If a renewal finds another holder (this server stalled past `ttlMs`), `onLost` runs and the keeper
 *    stops: the work it guarded stays stopped on this server, so it never runs on two servers at once.
 * 3. `stop()` releases the lease, so another server takes over at its next attempt.
 */
export function keepLease(options: {
  store: StreamStore;
  name: string;
  holder: string;
  ttlMs: number;
  logger: Logger;
  onAcquired: () => void;
  onLost: () => void;
}) {
  let held = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function attempt() {
    if (stopped) return;
    try {
      const owns = await options.store.acquireLease(options.name, options.holder, options.ttlMs);
      if (stopped) return;
      if (owns && !held) {
        held = true;
        options.logger.info("took the lease", { lease: options.name });
        options.onAcquired();
      } else if (!owns && held) {
        held = false;
        stopped = true;
        options.logger.error("lost the lease to another server; its work stays stopped here", { lease: options.name });
        options.onLost();
        return;
      }
    } catch (error) {
      options.logger.warn("could not renew the lease", { lease: options.name, error: String(error) });
    }
    timer = setTimeout(attempt, Math.max(50, options.ttlMs / 3));
    timer.unref();
  }

  void attempt();
  return {
    holds: () => held,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (held) await options.store.releaseLease(options.name, options.holder).catch(() => undefined);
      held = false;
    },
  };
}

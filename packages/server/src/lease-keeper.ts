import { TributaryError } from "@tributary/protocol";
import type { Logger } from "./logger.ts";
import type { LeaseFence, LeaseStore } from "./store/lease-store.ts";

/**
 * Keeps a named lease on the store for this server, renewing it every third of its time to live, and says
 * at every moment whether this server may act under it.
 *
 * 1. `onAcquired` runs when the lease is taken (at start on SQLite; on PostgreSQL when no other server holds
 *    it, or once the holder stopped renewing for `ttlMs`).
 * 2. Local deadline: a renewal counts from the moment it was *sent*, on this process's monotonic clock, so
 *    the lease is valid here until `sentAt + ttlMs`, never longer than the database grants it (the database
 *    starts its `ttlMs` later, on its own clock). When that deadline passes without a newer successful
 *    renewal (the database is away, or this process was stalled), `onLost` runs at once: the holder stops
 *    before any other server can take the lease.
 * 3. `valid()` is that check made synchronously at the moment of acting, so a process resumed after a stall
 *    (SIGSTOP, a long pause) refuses to act even before its deadline timer has had a chance to run.
 * 4. Fencing: `fence()` names the current tenure (a holder id that changes every time this server steps
 *    down), and the store refuses fenced writes of a tenure that no longer holds the lease unexpired.
 * 5. A server that lost the lease keeps competing for it with a new tenure, so the cluster never ends up
 *    with nobody running the built-ins while a server is alive.
 * 6. `stop()` releases the lease, so another server takes over at its next attempt.
 * On a store whose leases are not shared (SQLite: one process owns the file) there is no deadline.
 *
 * @example
 * const lease = keepLease({ store, name: "builtins", holder: randomUUID(), ttlMs: 10_000, logger });
 * lease.start({ onAcquired, onLost }); // the keeper exists before the work it guards, which uses `fence()`
 * if (lease.valid()) await deliver();
 */
export function keepLease(options: { store: LeaseStore; name: string; holder: string; ttlMs: number; logger: Logger }) {
  let handlers: { onAcquired: () => void; onLost: () => void } = { onAcquired: () => undefined, onLost: () => undefined };
  const shared = options.store.leasesShared === true;
  let tenure = 0;
  let held = false;
  let stopped = false;
  let validUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const token = () => `${options.holder}:${tenure}`;

  function stepDown(reason: string): void {
    if (!held) return;
    held = false;
    tenure += 1;
    clearTimeout(deadline);
    options.logger.error("stopped acting under the lease; competing for it again", { lease: options.name, reason });
    handlers.onLost();
  }

  function armDeadline(): void {
    clearTimeout(deadline);
    if (!shared) return;
    deadline = setTimeout(
      () => {
        if (performance.now() >= validUntil) stepDown(`no successful renewal within ${options.ttlMs} ms`);
        else armDeadline();
      },
      Math.max(0, validUntil - performance.now()),
    );
    deadline.unref();
  }

  async function attempt(): Promise<void> {
    if (stopped) return;
    const claimed = token();
    const sentAt = performance.now();
    try {
      const owns = await withTimeout(options.store.acquireLease(options.name, claimed, options.ttlMs), options.ttlMs);
      if (stopped) return;
      if (claimed !== token()) {
        // This renewal belongs to a tenure that already stepped down: give it back rather than hold it idle.
        if (owns) void options.store.releaseLease(options.name, claimed).catch(() => undefined);
      } else if (owns) {
        validUntil = shared ? sentAt + options.ttlMs : Number.POSITIVE_INFINITY;
        if (!held && performance.now() < validUntil) {
          held = true;
          options.logger.info("took the lease", { lease: options.name });
          handlers.onAcquired();
        }
        armDeadline();
      } else if (held) {
        stepDown("another server holds it");
      }
    } catch (error) {
      options.logger.warn("could not renew the lease", {
        lease: options.name,
        error: String(error),
      });
      if (held && performance.now() >= validUntil) stepDown("renewals failing");
    }
    if (stopped) return;
    timer = setTimeout(attempt, Math.max(50, options.ttlMs / 3));
    timer.unref();
  }

  const valid = () => held && performance.now() < validUntil;
  return {
    /** Starts competing for the lease; `onAcquired` and `onLost` run each time this server takes or loses it. */
    start(next: { onAcquired: () => void; onLost: () => void }): void {
      handlers = next;
      void attempt();
    },
    holds: () => held,
    /** True when this server may act under the lease right now (see 3). */
    valid,
    /** The fence for a write made under the lease; throws `lease_lost` when the lease is not valid now. */
    fence(): LeaseFence {
      if (!valid()) throw new TributaryError("lease_lost", `This server does not hold the '${options.name}' lease now.`);
      return { lease: options.name, holder: token() };
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      if (held) await options.store.releaseLease(options.name, token()).catch(() => undefined);
      held = false;
    },
  };
}

export type LeaseKeeper = ReturnType<typeof keepLease>;

/** Resolves like `promise`, or rejects after `ms`: a renewal that hangs must not stop the next attempts. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

import { randomUUID } from "node:crypto";
import type { EventsClient } from "@tributary/sdk";
import { abortableSleep } from "./abortable-sleep.ts";
import { agentEvent } from "./agent-event-types.ts";

/** The consumer cursors the lease lives in, on the agent's stream: the epoch held, and its holder's heartbeat. */
export const leaseEpochCursor = "tributary-agent-lease:epoch";
export const leaseBeatCursor = "tributary-agent-lease:beat";

export interface AgentLeaseOptions {
  client: EventsClient;
  /** The agent's stream (the root of its tree). */
  path: string;
  /** How long a holder's heartbeat may stay still before a standby takes over (default 10 s). */
  ttlMs?: number;
  /** This process's holder id (default: a random UUID). */
  holder?: string;
  /** Told once when another live agent holds the lease, so this one waits as a standby. */
  onStandby?: (holder: string) => void;
  /** Told when another agent took the lease over (this one stalled past the ttl). */
  onLost?: () => void;
  signal?: AbortSignal;
}

export interface AgentLease {
  holder: string;
  epoch: number;
  /** Gives the lease up at once (a clean stop): a standby takes over without waiting for the ttl. */
  release(): Promise<void>;
}

/**
 * One agent per stream. The lease is a claim in the stream plus a heartbeat in consumer cursors:
 * 1. A claim is `agent-lease-acquired {holder, epoch, ttlMs}` with the idempotency key
 *    `agent-lease:<epoch>`: when two agents claim the same epoch, the server stores the first and returns
 *    it to both, so exactly one holds it (compare-and-set by idempotency key).
 * 2. The holder writes the epoch to the cursor `tributary-agent-lease:epoch` and beats every third of the
 *    ttl on `tributary-agent-lease:beat` (the time of the beat; 0 once released).
 * 3. Another agent finds the epoch held and watches the beat: while it moves, it waits as a standby; when
 *    it stands still for the ttl (the holder died: SIGKILL, a crash, a lost machine) or reads 0 (released),
 *    it claims the next epoch and takes over. Its agent then closes whatever the dead one left open.
 * 4. A holder that finds a newer epoch than its own (it stalled past the ttl and was replaced) stops
 *    beating and is told (`onLost`); the agent also reads the claims from the stream and acts only while
 *    the newest one is its own.
 *
 * Resolves once this process holds the lease; rejects when `signal` aborts first.
 *
 * @example
 * const lease = await acquireAgentLease({ client, path: "/me/agent", onStandby: () => console.log("standby") });
 * // … run the agent …
 * await lease.release();
 */
export async function acquireAgentLease(options: AgentLeaseOptions): Promise<AgentLease> {
  const { client, path } = options;
  const ttlMs = options.ttlMs ?? 10_000;
  const holder = options.holder ?? randomUUID();
  const signal = options.signal ?? new AbortController().signal;
  const pollMs = Math.max(50, Math.floor(ttlMs / 3));
  let toldStandby = false;

  for (;;) {
    signal.throwIfAborted();
    const current = await client.getCursor(path, leaseEpochCursor, signal);
    if (current > 0 && !(await holderIsGone(current))) continue;
    const epoch = current + 1;
    const stored = await client.append({
      path,
      event: agentEvent("agent-lease-acquired", { holder, epoch, ttlMs }, { idempotencyKey: `agent-lease:${epoch}` }),
    });
    if (stored.payload.holder !== holder) continue; // another standby won this epoch: watch it
    // The beat first: whoever reads the new epoch finds it beating.
    await client.putCursor(path, leaseBeatCursor, Date.now(), signal);
    await client.putCursor(path, leaseEpochCursor, epoch, signal);
    return hold(epoch);
  }

  /** Watches the holder of `epoch` until it is gone (true) or the epoch changes (false). */
  async function holderIsGone(epoch: number): Promise<boolean> {
    let beat = await client.getCursor(path, leaseBeatCursor, signal);
    let stillSince = Date.now();
    for (;;) {
      if (beat === 0) return true; // released
      if (Date.now() - stillSince >= ttlMs) return true;
      if (!toldStandby) {
        toldStandby = true;
        options.onStandby?.(`epoch ${epoch}`);
      }
      if (!(await abortableSleep(pollMs, signal))) signal.throwIfAborted();
      if ((await client.getCursor(path, leaseEpochCursor, signal)) !== epoch) return false;
      const next = await client.getCursor(path, leaseBeatCursor, signal);
      if (next !== beat) {
        beat = next;
        stillSince = Date.now();
      }
    }
  }

  function hold(epoch: number): AgentLease {
    let released = false;
    const timer = setInterval(() => {
      void (async () => {
        if ((await client.getCursor(path, leaseEpochCursor)) !== epoch) {
          clearInterval(timer);
          if (!released) options.onLost?.();
          return;
        }
        await client.putCursor(path, leaseBeatCursor, Date.now());
      })().catch(() => undefined); // the server is away: the beat stands still, as it should
    }, pollMs);
    timer.unref();
    return {
      holder,
      epoch,
      async release() {
        if (released) return;
        released = true;
        clearInterval(timer);
        if ((await client.getCursor(path, leaseEpochCursor).catch(() => -1)) !== epoch) return;
        await client
          .append({ path, event: agentEvent("agent-lease-released", { holder, epoch }, { idempotencyKey: `agent-lease-released:${epoch}` }) })
          .catch(() => undefined);
        await client.putCursor(path, leaseBeatCursor, 0).catch(() => undefined);
      },
    };
  }
}

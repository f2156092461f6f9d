import type { StoredEvent, StreamPath } from "@tributary/protocol";
import type { OutboundFetch } from "../../outbound/outbound-fetch.ts";
import type { SecretVault } from "../secrets/secret-vault.ts";
import type { CursorWorkerPorts } from "../shared/cursor-worker-builtin.ts";
import { createCursorWorker, type CursorOutcome } from "../shared/cursor-worker.ts";
import { compileJsonata, isTruthy } from "../shared/jsonata-expression.ts";
import { withHeaderSecrets } from "./header-secrets.ts";
import { postDelivery } from "./post-delivery.ts";
import type { SubscriptionEntry } from "./subscription-state.ts";

/** Exponential backoff: 0.5 s, 1 s, 2 s, … up to one minute between attempts. */
export function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 60_000);
}

/** Why a subscription is not keeping up, for the state endpoint. */
export interface DeliveryStatus {
  offset: number;
  attempt: number;
  lastError: string;
  nextAttemptAt: string;
}

/**
 * Delivers one push subscription: a cursor worker over the stream whose handler POSTs each matching event.
 *
 * Delivery guarantees:
 * 1. Ordered: events are delivered one at a time in offset order; event n+1 is not sent before event n was
 *    answered with a 2xx.
 * 2. At least once: the cursor (consumer `subscription:<slug>`) is saved after each 2xx. A crash between the
 *    receiver's 2xx and the save delivers that event again; `tributary-delivery-id` lets a receiver
 *    drop the repeat.
 * 3. Nothing is lost while the receiver is down: a failed attempt is retried with exponential backoff
 *    (0.5 s doubling up to 60 s), forever, until it succeeds or the subscription is removed; a restart
 *    resumes from the saved cursor.
 * 4. Each failed attempt appends `subscription/delivery-failed {slug, offset, attempt, error, nextAttemptAt}`;
 *    those events are never delivered themselves, so a failing receiver cannot cause a loop.
 * 5. Deliveries start after the event that created the subscription; reconfiguring a slug keeps its cursor.
 * 6. A filter that fails to evaluate on an event skips that event and records `stream/error-occurred`.
 */
export function createSubscriptionDelivery(options: {
  ports: CursorWorkerPorts;
  project: string;
  path: StreamPath;
  config: () => SubscriptionEntry;
  outbound: OutboundFetch;
  secrets: Pick<SecretVault, "get">;
}) {
  const { ports: services, project, path } = options;
  const slug = options.config().slug;
  let status: DeliveryStatus | null = null;
  let cutShort: (() => void) | undefined;

  /** Waits `ms`, or less when the subscription is reconfigured (retry now) or stopped. */
  const pause = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        cutShort = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      cutShort = done;
    });

  async function matches(event: StoredEvent, config: SubscriptionEntry): Promise<boolean> {
    if (event.type === "subscription/delivery-failed") return false;
    if (config.types && !config.types.includes(event.type)) return false;
    if (config.filter === undefined) return true;
    const filter = compileJsonata(config.filter);
    try {
      if (!filter.ok) throw new Error(filter.message);
      return isTruthy(await filter.evaluate(event));
    } catch (error) {
      await services.reportError(project, path, {
        message: `subscription ${slug}: the filter failed on this event, so it was not delivered: ${(error as Error).message}`,
        processor: "subscriptions",
        offset: event.offset,
        slug,
      });
      return false;
    }
  }

  async function handle(event: StoredEvent, signal: AbortSignal): Promise<CursorOutcome> {
    if (!(await matches(event, options.config()))) return "skipped";
    const body = JSON.stringify(event);
    for (let attempt = 1; !signal.aborted; attempt += 1) {
      // A holder resumed after a stall past its lease must not deliver what the new holder delivers.
      if (!services.holdsLease()) return "wait";
      const config = options.config();
      const secret = config.secretName === undefined ? undefined : (await options.secrets.get(project, config.secretName))?.value;
      const headers = await Promise.resolve()
        .then(() => withHeaderSecrets(config.headers, new URL(config.url), (name) => options.secrets.get(project, name)))
        .catch((error: Error) => error);
      const result =
        config.secretName !== undefined && secret === undefined
          ? { ok: false as const, error: `the secret '${config.secretName}' is not set (PUT /api/secrets/${config.secretName})` }
          : headers instanceof Error
            ? { ok: false as const, error: headers.message }
            : await postDelivery({
                subscription: { ...config, headers },
                project,
                event,
                body,
                attempt,
                secret,
                now: services.now(),
                signal,
                outbound: options.outbound,
              });
      if (result.ok) {
        status = null;
        return "done";
      }
      if (signal.aborted) break;
      const delay = backoffMs(attempt);
      const nextAttemptAt = new Date(services.now() + delay).toISOString();
      status = { offset: event.offset, attempt, lastError: result.error, nextAttemptAt };
      await services.appender
        .appendAsServer(project, path, [
          {
            type: "subscription/delivery-failed",
            payload: { slug, offset: event.offset, attempt, error: result.error, nextAttemptAt },
            appendedBy: { kind: "processor", slug: "subscriptions", causedBy: { streamPath: event.streamPath, offset: event.offset } },
          },
        ])
        .catch((error) => services.logger.error("could not record a failed delivery", { project, path, slug, error: String(error) }));
      await pause(delay, signal);
    }
    return "wait";
  }

  const worker = createCursorWorker({
    events: services.events,
    cursors: services.cursors,
    project,
    path,
    consumer: `subscription:${slug}`,
    startAfter: options.config().startAfter,
    handle,
    logger: services.logger.child({ subscription: slug }),
  });

  return {
    wake: worker.wake,
    stop: worker.stop,
    position: worker.position,
    status: () => status,
    /** The configuration changed (a fixed URL, a new secret): skip the rest of the backoff and try now. */
    reconfigured: () => cutShort?.(),
  };
}

export type SubscriptionDelivery = ReturnType<typeof createSubscriptionDelivery>;

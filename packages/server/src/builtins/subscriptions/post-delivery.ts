import { deliveryHeaders, type StoredEvent } from "@tributary/protocol";
import { signDelivery } from "@tributary/protocol/delivery-signature";
import type { OutboundFetch } from "../../outbound/outbound-fetch.ts";
import { OutboundRefusedError } from "../../outbound/outbound-policy.ts";
import type { SubscriptionConfig } from "./subscription-state.ts";

/** The outcome of one delivery attempt. */
export type DeliveryResult = { ok: true; status: number } | { ok: false; error: string };

const attemptTimeoutMs = 10_000;

/**
 * POSTs one stored event (its exact stored JSON) to a subscription's URL through the outbound policy. Any
 * 2xx is a success; anything else, a redirect included, is a failure described in a sentence for the
 * `delivery-failed` event. That sentence never holds the receiver's answer beyond its status: the stream
 * must not become a way to read a service the server can reach and its readers cannot.
 */
export async function postDelivery(options: {
  subscription: SubscriptionConfig;
  project: string;
  event: StoredEvent;
  body: string;
  attempt: number;
  secret: string | undefined;
  now: number;
  signal: AbortSignal;
  outbound: OutboundFetch;
}): Promise<DeliveryResult> {
  const { subscription, project, event, body } = options;
  const timestamp = String(Math.floor(options.now / 1000));
  const headers: Record<string, string> = {
    ...subscription.headers,
    "content-type": "application/json",
    "user-agent": "tributary-webhooks",
    [deliveryHeaders.subscription]: subscription.slug,
    [deliveryHeaders.project]: project,
    [deliveryHeaders.stream]: event.streamPath,
    [deliveryHeaders.offset]: String(event.offset),
    [deliveryHeaders.eventType]: event.type,
    [deliveryHeaders.deliveryId]: `${project}:${event.streamPath}:${event.offset}`,
    [deliveryHeaders.attempt]: String(options.attempt),
    [deliveryHeaders.timestamp]: timestamp,
  };
  if (options.secret !== undefined) headers[deliveryHeaders.signature] = signDelivery(options.secret, timestamp, body);
  try {
    const response = await options.outbound(subscription.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      project,
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(attemptTimeoutMs)]),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    const redirect = response.status >= 300 && response.status < 400 ? " (redirects are not followed)" : "";
    return { ok: false, error: `HTTP ${response.status}${redirect}` };
  } catch (error) {
    if (options.signal.aborted) return { ok: false, error: "stopped" };
    if (error instanceof OutboundRefusedError) return { ok: false, error: `refused by the outbound policy: ${error.message}` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    if (name === "TimeoutError") return { ok: false, error: `no answer within ${attemptTimeoutMs / 1000} s` };
    return { ok: false, error: `${(error as Error).message}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ""}` };
  }
}

import { createHmac, timingSafeEqual } from "node:crypto";
import { signedDeliveryContent } from "./wire.ts";

// Node-only (node:crypto), so it is its own entry point: `@tributary/protocol/delivery-signature`. The main
// entry stays free of Node built-ins for the browser.

/**
 * Signs a webhook delivery: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the secret.
 *
 * @example
 * signDelivery("s3cret", "1718000000", '{"type":"x"}'); // "sha256=5d1f…"
 */
export function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(signedDeliveryContent(timestamp, body)).digest("hex")}`;
}

/** Checks a delivery's signature header against the secret, the timestamp header and the body, in constant time. */
export function verifyDelivery(secret: string, delivery: { signature: string; timestamp: string; body: string }): boolean {
  const given = Buffer.from(delivery.signature);
  const wanted = Buffer.from(signDelivery(secret, delivery.timestamp, delivery.body));
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a forwarded request's time may be from the receiver's clock before it is refused (a replay). */
const maxSkewMs = 60_000;

/** The HMAC-SHA256 (hex) over a link request's time and sender, keyed with the cluster secret. */
export function signForward(secret: string, time: string, body: string): string {
  return createHmac("sha256", secret).update(`${time}.${body}`).digest("hex");
}

/** True when `signature` is the cluster secret's over `time` and `body`, and `time` is recent by `now`. */
export function verifyForward(secret: string, time: string | null, signature: string | null, body: string, now: number): boolean {
  if (time === null || signature === null || !/^\d{1,16}$/.test(time) || Math.abs(now - Number(time)) > maxSkewMs) return false;
  const expected = Buffer.from(signForward(secret, time, body), "hex");
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

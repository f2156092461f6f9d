import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signDelivery, verifyDelivery } from "../src/delivery-signature.ts";

describe("delivery signatures", () => {
  const body = '{"type":"note","offset":2}';

  it("is sha256= and the hex HMAC-SHA256 of <timestamp>.<body>, as the docs describe", () => {
    const independent = `sha256=${createHmac("sha256", "s3cret").update(`1718000000.${body}`).digest("hex")}`;
    expect(signDelivery("s3cret", "1718000000", body)).toBe(independent);
  });

  it("verifies its own signature and refuses any change to the secret, the timestamp, the body or the signature", () => {
    const signature = signDelivery("s3cret", "1718000000", body);
    expect(verifyDelivery("s3cret", { signature, timestamp: "1718000000", body })).toBe(true);
    expect(verifyDelivery("other", { signature, timestamp: "1718000000", body })).toBe(false);
    expect(verifyDelivery("s3cret", { signature, timestamp: "1718000001", body })).toBe(false);
    expect(verifyDelivery("s3cret", { signature, timestamp: "1718000000", body: `${body} ` })).toBe(false);
    expect(verifyDelivery("s3cret", { signature: signature.slice(0, -1), timestamp: "1718000000", body })).toBe(false);
    expect(verifyDelivery("s3cret", { signature: "", timestamp: "1718000000", body })).toBe(false);
  });
});

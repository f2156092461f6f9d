import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundFetch } from "../src/outbound/outbound-fetch.ts";
import { OutboundRefusedError, createOutboundPolicy, parseAllowOutbound } from "../src/outbound/outbound-policy.ts";

/** A loopback HTTP server whose handler a test chooses per request; it records what it was sent. */
async function startTarget(handle: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    seen.push(request.headers);
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const refusedEverywhere = [
  "http://169.254.169.254/latest/meta-data/",
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://METADATA.google.internal./x",
  "http://100.100.100.200/latest/meta-data",
  "http://[fd00:ec2::254]/latest",
  "http://[fe80::1]/",
  "http://[::ffff:169.254.169.254]/",
  "http://0xa9fea9fe/", // 169.254.169.254 spelled in hex
];
const refusedUnlessLocalAllowed = [
  "http://127.0.0.1:22/",
  "http://[::1]/",
  "http://10.1.2.3/",
  "http://192.168.1.1/",
  "http://172.20.0.1/",
  "http://0.0.0.0/",
  "http://[::]/",
  "http://2130706433/", // 127.0.0.1 as one number
  "http://0x7f.1/",
  "http://017700000001/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:10.0.0.1]/",
  "http://[fc00::1]/",
];

describe("the outbound policy", () => {
  const strict = createOutboundPolicy({ allowLocal: false });
  const local = createOutboundPolicy({ allowLocal: true });

  it("always refuses link-local and metadata addresses, however they are spelled", () => {
    for (const url of refusedEverywhere) {
      expect(strict.checkUrl(new URL(url)), url).toMatch(/metadata|link-local/);
      expect(local.checkUrl(new URL(url)), url).toMatch(/metadata|link-local/);
      expect(createOutboundPolicy({ allowLocal: true, allow: ["169.254.0.0/16", "metadata.google.internal"] }).checkUrl(new URL(url)), url).toBeDefined();
    }
  });

  it("refuses loopback, private and unspecified addresses in every spelling unless local calls are allowed", () => {
    for (const url of refusedUnlessLocalAllowed) {
      expect(strict.checkUrl(new URL(url)), url).toMatch(/loopback or private address.*--allow-outbound/);
      expect(local.checkUrl(new URL(url)), url).toBeUndefined();
    }
    expect(strict.checkUrl(new URL("https://example.com/hook"))).toBeUndefined();
    expect(strict.checkUrl(new URL("ftp://example.com/"))).toMatch(/http:\/\/ and https:\/\//);
  });

  it("lets listed addresses, ranges and host names through", () => {
    const listed = createOutboundPolicy({ allowLocal: false, allow: parseAllowOutbound("10.1.0.0/16, 127.0.0.1, *.internal, hooks.lan") });
    expect(listed.checkAddress("10.1.2.3", "10.1.2.3")).toBeUndefined();
    expect(listed.checkAddress("10.2.0.1", "10.2.0.1")).toBeDefined();
    expect(listed.checkAddress("127.0.0.1", "127.0.0.1")).toBeUndefined();
    expect(listed.checkAddress("::ffff:127.0.0.1", "::ffff:127.0.0.1")).toBeUndefined();
    expect(listed.checkAddress("192.168.0.9", "ci.internal")).toBeUndefined();
    expect(listed.checkAddress("192.168.0.9", "hooks.lan")).toBeUndefined();
    expect(listed.checkAddress("192.168.0.9", "other.lan")).toBeDefined();
    expect(listed.checkAddress("169.254.169.254", "ci.internal")).toMatch(/metadata/);
  });

  it("names a bad --allow-outbound entry", () => {
    expect(() => parseAllowOutbound("10.0.0.0/99")).toThrow(/'10.0.0.0\/99' is not/);
    expect(() => parseAllowOutbound("http://x")).toThrow(/is not an IP address/);
  });
});

describe("the outbound fetch", () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  beforeAll(async () => {
    target = await startTarget((request, response) => {
      const url = new URL(request.url!, "http://x");
      const location = url.searchParams.get("to");
      if (location) response.writeHead(Number(url.searchParams.get("status") ?? 302), { location }).end();
      else response.writeHead(200).end(`hello ${request.method}`);
    });
  });
  afterAll(() => target.close());

  it("checks the resolved address, so a name that resolves to loopback is refused", async () => {
    const outbound = createOutboundFetch(createOutboundPolicy({ allowLocal: false }));
    try {
      await expect(outbound(`http://localhost:${target.port}/`)).rejects.toThrow(OutboundRefusedError);
      await expect(outbound(`http://localhost:${target.port}/`)).rejects.toThrow(/\(localhost\) is a loopback or private address/);
      await expect(outbound(`${target.url}/`)).rejects.toThrow(/127.0.0.1 is a loopback/);
      expect(target.seen).toHaveLength(0);
    } finally {
      await outbound.close();
    }
  });

  it("reaches an allowed address and checks every redirect again", async () => {
    const outbound = createOutboundFetch(createOutboundPolicy({ allowLocal: false, allow: ["127.0.0.1"] }));
    try {
      const ok = await outbound(`${target.url}/`);
      expect(await ok.text()).toBe("hello GET");
      const toMetadata = `${target.url}/?to=${encodeURIComponent("http://169.254.169.254/latest/meta-data/")}`;
      await expect(outbound(toMetadata)).rejects.toThrow(/169.254.169.254 is a link-local/);
      const toPrivate = `${target.url}/?to=${encodeURIComponent(`http://[::1]:${target.port}/`)}&status=301`;
      await expect(outbound(toPrivate)).rejects.toThrow(/::1 is a loopback/);
      // A manual redirect is returned as it is, for the caller to judge.
      const manual = await outbound(toMetadata, { redirect: "manual" });
      expect(manual.status).toBe(302);
    } finally {
      await outbound.close();
    }
  });

  it("sends credentials only to the origin they were given for, not on to a redirect's other origin", async () => {
    const outbound = createOutboundFetch(createOutboundPolicy({ allowLocal: true }));
    try {
      const sameOrigin = `${target.url}/?to=${encodeURIComponent(`${target.url}/final`)}&status=307`;
      const response = await outbound(sameOrigin, { method: "POST", body: "x", headers: { authorization: "Bearer kept", "content-type": "text/plain" } });
      expect(await response.text()).toBe("hello POST");
      expect(target.seen.at(-1)!.authorization).toBe("Bearer kept");
      const otherOrigin = `${target.url}/?to=${encodeURIComponent(`http://localhost:${target.port}/final`)}&status=307`;
      const moved = await outbound(otherOrigin, { method: "POST", body: "x", headers: { authorization: "Bearer secret", "x-api-key": "k" } });
      expect(await moved.text()).toBe("hello POST");
      expect(target.seen.at(-1)!.authorization).toBeUndefined();
      expect(target.seen.at(-1)!["x-api-key"]).toBeUndefined();
    } finally {
      await outbound.close();
    }
  });
});

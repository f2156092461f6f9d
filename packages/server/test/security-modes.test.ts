import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../src/server.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { startReceiver } from "./builtins-support.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";

/** A request with a Host header of our choosing (fetch does not let one set it). */
function requestWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = http.request({ hostname: target.hostname, port: target.port, path: "/api/streams/me?format=json", headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    request.on("error", reject);
    request.end();
  });
}

describe("a local server without auth", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ corsOrigins: ["https://app.example"] });
  });
  afterAll(() => server.close());

  it("refuses state-changing requests from a foreign Origin, unless allowed; curl (no Origin) and the UI's own origin keep working", async () => {
    const post = (origin?: string) => appendJson(server.url, "/browser/origin", { type: "x" }, origin ? { origin } : {});
    const foreign = await post("https://evil.example");
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: "origin_not_allowed", message: expect.stringContaining("--cors-origin https://evil.example") });
    expect((await post("null")).status).toBe(403);
    expect((await fetch(`${server.url}/api/streams/browser/origin`, { method: "DELETE", headers: { origin: "https://evil.example" } })).status).toBe(403);
    expect((await post()).status).toBe(201);
    expect((await post(server.url)).status).toBe(201);
    const allowed = await post("https://app.example");
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const preflight = await fetch(`${server.url}/api/streams/browser/origin`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    expect((await readEvents(server.url, "/browser/origin")).map((event) => event.type)).toEqual(["x", "x", "x"]);
  });

  it("refuses a Host that is not a loopback name (DNS rebinding)", async () => {
    const port = new URL(server.url).port;
    expect(await requestWithHost(server.url, "evil.example")).toBe(403);
    expect(await requestWithHost(server.url, `evil.example:${port}`)).toBe(403);
    expect(await requestWithHost(server.url, `localhost:${port}`)).toBe(200);
    expect(await requestWithHost(server.url, `127.0.0.1:${port}`)).toBe(200);
    expect(await requestWithHost(server.url, `[::1]:${port}`)).toBe(200);
    // An allowed Host, once seen, changes nothing for the next request naming another.
    expect(await requestWithHost(server.url, "evil.example")).toBe(403);
  });

  // The ten headers of a page and the four of data, written out here (not imported), so a change to either is a change to this test.
  const documentHeaders = {
    "content-security-policy":
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "cross-origin-opener-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "DENY",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
  };
  const dataHeaders = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cross-origin-opener-policy": null,
    "origin-agent-cluster": null,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": null,
    "x-download-options": null,
    "x-frame-options": "DENY",
    "x-permitted-cross-domain-policies": null,
    "x-xss-protection": null,
  };
  const protective = (response: Response) => Object.fromEntries(Object.keys(documentHeaders).map((header) => [header, response.headers.get(header)]));

  it("sends the data headers on every API answer: appends (stored, replayed, batched, refused), reads (JSON, SSE, NDJSON) and errors", async () => {
    const once = { type: "x", idempotencyKey: "headers-1" };
    const responses = {
      stored: await appendJson(server.url, "/browser/headers", once),
      replayed: await appendJson(server.url, "/browser/headers", once),
      batch: await appendJson(server.url, "/browser/headers", { events: [{ type: "x" }, { type: "y" }] }),
      refused: await appendJson(server.url, "/browser/headers", { type: "stream/paused", payload: { reason: 1 } }),
      read: await fetch(`${server.url}/api/streams/browser/headers?format=json`),
      sse: await fetch(`${server.url}/api/streams/browser/headers`, { headers: { accept: "text/event-stream" } }),
      ndjson: await fetch(`${server.url}/api/streams/browser/headers?format=ndjson`),
      missing: await fetch(`${server.url}/api/nothing-here`),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([name, response]) => [name, response.status]))).toEqual({
      stored: 201,
      replayed: 200,
      batch: 201,
      refused: 400,
      read: 200,
      sse: 200,
      ndjson: 200,
      missing: 404,
    });
    expect(responses.sse.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(responses.ndjson.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(responses.replayed.headers.get("tributary-idempotent-replay")).toBe("true");
    expect(responses.stored.headers.get("tributary-idempotent-replay")).toBeNull();
    for (const [name, response] of Object.entries(responses)) {
      await response.body?.cancel();
      expect(protective(response), name).toEqual(dataHeaders);
      expect(response.headers.get("x-powered-by"), name).toBeNull();
    }
    expect(responses.stored.headers.get("content-type")).toBe("application/json");
  });

  it("sends a page's headers, with the strict policy for scripts and styles, on the docs pages", async () => {
    const page = await fetch(`${server.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    await page.body?.cancel();
    expect(protective(page)).toEqual(documentHeaders);
  });
});

describe("serving beyond loopback", () => {
  it("refuses to start on a non-loopback host without --auth unless --no-auth is explicit", async () => {
    await expect(startServer({ host: "0.0.0.0", port: 0, dataDir: ":memory:", logLevel: "silent" })).rejects.toThrow(/pass --auth .* or --no-auth/);
    const open = await startServer({ host: "0.0.0.0", port: 0, dataDir: ":memory:", logLevel: "silent", auth: false });
    await open.close();
  });
});

describe("a server with --auth", () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const adminToken = "security-modes-admin-token-0123456789";
  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ auth: true, adminToken, rateLimit: { requests: 1000, perSeconds: 1 } });
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });
  const asAdmin = { authorization: `Bearer ${adminToken}` };

  it("refuses webhooks to loopback and private addresses, and to its own URL in another project", async () => {
    await appendJson(server.url, "/hooks/local", { type: "subscription/configured", payload: { slug: "local", url: receiver.url } }, asAdmin);
    await appendJson(
      server.url,
      "/hooks/local",
      { type: "subscription/configured", payload: { slug: "self", url: `${server.url}/api/streams/stolen?project=victim` } },
      asAdmin,
    );
    await appendJson(server.url, "/hooks/local", { type: "note" }, asAdmin);
    const failures = await waitFor(async () => {
      const response = await fetch(`${server.url}/api/streams/hooks/local?format=json`, { headers: asAdmin });
      const list = ((await response.json()) as { events: { type: string; payload: Record<string, unknown> }[] }).events.filter(
        (event) => event.type === "subscription/delivery-failed",
      );
      return new Set(list.map((event) => event.payload.slug)).size === 2 ? list : undefined;
    }, "both refusals");
    for (const failure of failures) expect(failure.payload.error).toMatch(/loopback or private address.*--allow-outbound/);
    expect(receiver.received).toHaveLength(0);
  });

  it("answers 429 with Retry-After past a token's rate limit", async () => {
    const limited = await startTestServer({ auth: true, adminToken, rateLimit: { requests: 3, perSeconds: 60 } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${limited.url}/api/tree`, { headers: asAdmin });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get("retry-after");
        await response.body?.cancel();
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});

describe("the first admin token", () => {
  it("is written once to a 0600 file in the data directory and keeps working after a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tributary-admin-token-"));
    try {
      const first = await startServer({ port: 0, dataDir, auth: true, logLevel: "silent" });
      const { token, file } = first.firstAdminToken!;
      expect(file).toBe(join(dataDir, "admin-token"));
      expect(statSync(file!).mode & 0o777).toBe(0o600);
      expect(readFileSync(file!, "utf8").trim()).toBe(token);
      await first.close();
      const second = await startServer({ port: 0, dataDir, auth: true, logLevel: "silent" });
      expect(second.firstAdminToken).toBeUndefined();
      expect((await fetch(`${second.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";

/** A loopback service that answers every request 403 with a body that must never reach a stream. */
async function startPrivateService() {
  let requests = 0;
  const server = http.createServer((request, response) => {
    requests += 1;
    request.resume();
    response.writeHead(403, { "content-type": "text/plain" }).end("root:x:0:0:PRIVATE-SERVICE-ANSWER");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const failures = async (server: TestServer, path: string, query = "") =>
  (await readEvents(server.url, path, query)).filter((event) => event.type === "subscription/delivery-failed");

describe("webhook deliveries under the outbound policy (a local server without auth)", () => {
  let server: TestServer;
  let service: Awaited<ReturnType<typeof startPrivateService>>;
  beforeAll(async () => {
    server = await startTestServer();
    service = await startPrivateService();
  });
  afterAll(async () => {
    await server.close();
    await service.close();
  });

  it("refuses metadata addresses and says why in the failure event", async () => {
    const path = "/ssrf/metadata";
    for (const [slug, url] of [
      ["aws", "http://169.254.169.254/latest/meta-data/"],
      ["gcp", "http://metadata.google.internal/computeMetadata/v1/"],
      ["hex", "http://0xa9fea9fe/"],
    ] as const) {
      expect((await appendJson(server.url, path, { type: "subscription/configured", payload: { slug, url } })).status).toBe(201);
    }
    await appendJson(server.url, path, { type: "note" });
    const failed = await waitFor(async () => {
      const list = await failures(server, path);
      return new Set(list.map((event) => event.payload.slug)).size === 3 ? list : undefined;
    }, "a refusal per subscription");
    for (const event of failed) expect(event.payload.error).toMatch(/^refused by the outbound policy: .*(metadata|link-local)/);
  });

  it("records only the status line of a failed delivery, never the receiver's answer", async () => {
    const path = "/ssrf/read-back";
    await appendJson(server.url, path, { type: "subscription/configured", payload: { slug: "local", url: service.url } });
    await appendJson(server.url, path, { type: "note" });
    const [failed] = await waitFor(async () => {
      const list = await failures(server, path);
      return list.length > 0 ? list : undefined;
    }, "the failed delivery");
    expect(failed!.payload.error).toBe("HTTP 403");
    expect(JSON.stringify(await readEvents(server.url, path))).not.toContain("PRIVATE-SERVICE-ANSWER");
    const state = await (await fetch(`${server.url}/api/state${path}`)).text();
    expect(state).not.toContain("PRIVATE-SERVICE-ANSWER");
    await appendJson(server.url, path, { type: "subscription/removed", payload: { slug: "local" } });
  });

  it("keeps a subscription to the server's own URL inside its own project", async () => {
    const path = "/ssrf/self";
    const own = `${server.url}/api/streams/stolen?project=victim`;
    await appendJson(server.url, `${path}?project=attacker`, { type: "subscription/configured", payload: { slug: "loop", url: own } });
    await appendJson(server.url, `${path}?project=attacker`, { type: "note", payload: { text: "written by attacker" } });
    const [failed] = await waitFor(async () => {
      const list = await failures(server, path, "&project=attacker");
      return list.length > 0 ? list : undefined;
    }, "the refused self-delivery");
    expect(failed!.payload.error).toBe("HTTP 403");
    expect(await readEvents(server.url, "/stolen", "&project=victim")).toEqual([]);
    // Into its own project, the server's own URL is a receiver like any other.
    const same = `${server.url}/api/streams/forwarded?project=attacker`;
    await appendJson(server.url, `${path}?project=attacker`, { type: "subscription/configured", payload: { slug: "forward", url: same, types: ["fwd"] } });
    await appendJson(server.url, `${path}?project=attacker`, { type: "fwd" });
    const forwarded = await waitFor(async () => {
      const list = await readEvents(server.url, "/forwarded", "&project=attacker");
      return list.length > 0 ? list : undefined;
    }, "the forwarded event");
    // A stored envelope is not an event input, so it arrives as the tolerant append's invalid event.
    expect((forwarded[0] as StoredEvent).payload.rawInput).toMatchObject({ type: "fwd", streamPath: path });
    await appendJson(server.url, `${path}?project=attacker`, { type: "subscription/removed", payload: { slug: "loop" } });
  });
});

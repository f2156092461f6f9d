import { createHmac } from "node:crypto";
import { verifyDelivery } from "@tributary/protocol/delivery-signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { getJson, startReceiver, stateOf } from "./builtins-support.ts";

let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  server = await startTestServer();
  receiver = await startReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

const subscribe = (url: string, path: string, payload: Record<string, unknown>) => appendJson(url, path, { type: "subscription/configured", payload });
const putSecret = (url: string, name: string, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(`${url}/api/secrets/${name}`, { method: "PUT", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
const deliveredTo = (path: string) => receiver.received.filter((delivery) => delivery.event.streamPath === path);

describe("push subscriptions", () => {
  it("POSTs every event after the subscription, in order, as the stored event, with headers that identify it", async () => {
    const path = "/hooks/all";
    const configured = (await (await subscribe(server.url, path, { slug: "everything", url: receiver.url })).json()) as StoredEvent;
    for (let i = 1; i <= 5; i++) await appendJson(server.url, path, { type: "note", payload: { i } });
    await waitFor(() => deliveredTo(path).length === 5, "five deliveries");
    const stored = await readEvents(server.url, path);
    const deliveries = deliveredTo(path);
    expect(deliveries.map((delivery) => delivery.event.offset)).toEqual([2, 3, 4, 5, 6]);
    expect(deliveries[0]!.body).toBe(JSON.stringify(stored[1]));
    expect(deliveries[0]!.headers).toMatchObject({
      "content-type": "application/json",
      "tributary-subscription": "everything",
      "x-tributary-project": "default",
      "tributary-stream": path,
      "tributary-offset": "2",
      "tributary-event-type": "note",
      "tributary-delivery-id": `default:${path}:2`,
      "tributary-attempt": "1",
    });
    expect(deliveries[0]!.headers["tributary-signature"]).toBeUndefined();
    expect(configured.offset).toBe(1);
    // The cursor is saved where everyone can see it, and the state shows the subscription.
    await waitFor(async () => (await getJson(`${server.url}/api/cursors${path}?consumer=subscription:everything`)).offset === 6, "the saved cursor");
    const state = await stateOf(server.url, path);
    expect(state.subscriptions.subscriptions).toEqual([
      expect.objectContaining({ slug: "everything", url: receiver.url, cursor: 6, failing: null, headerNames: [], secretName: null }),
    ]);
  });

  it("delivers only the listed types, or what a JSONata filter selects", async () => {
    const path = "/hooks/filtered";
    await subscribe(server.url, path, { slug: "outputs", url: receiver.url, types: ["agent-output-added"] });
    await subscribe(server.url, path, { slug: "urgent", url: receiver.url, filter: "type = 'note' and payload.priority > 2" });
    await appendJson(server.url, path, { type: "agent-output-added", payload: { text: "hi" } });
    await appendJson(server.url, path, { type: "note", payload: { priority: 1 } });
    await appendJson(server.url, path, { type: "note", payload: { priority: 5 } });
    await appendJson(server.url, path, { type: "done" });
    await waitFor(
      async () => (await stateOf(server.url, path)).subscriptions.subscriptions.every((s: { cursor: number }) => s.cursor === 6),
      "both cursors at the end",
    );
    const bySlug = (slug: string) => deliveredTo(path).filter((delivery) => delivery.headers["tributary-subscription"] === slug);
    expect(bySlug("outputs").map((delivery) => delivery.event.type)).toEqual(["agent-output-added"]);
    expect(bySlug("urgent").map((delivery) => delivery.event.payload)).toEqual([{ priority: 5 }]);
  });

  it("signs each delivery with HMAC-SHA256 of the timestamp and body when a secret is set, and sends configured headers with their secrets put in", async () => {
    const path = "/hooks/signed";
    expect((await putSecret(server.url, "hook-secret", { value: "s3cret" })).status).toBe(201);
    // A secret sent in a header must be bound to the receiver's host (subscription-header-secrets.test.ts).
    expect((await putSecret(server.url, "hook-token", { value: "abc", allowedHosts: [new URL(receiver.url).host] })).status).toBe(201);
    await subscribe(server.url, path, {
      slug: "signed",
      url: receiver.url,
      secretName: "hook-secret",
      headers: { authorization: "Bearer {{secret:hook-token}}", "x-team": "core" },
    });
    await appendJson(server.url, path, { type: "note" });
    const [delivery] = await waitFor(() => (deliveredTo(path).length === 1 ? deliveredTo(path) : undefined), "the delivery");
    const timestamp = delivery!.headers["tributary-timestamp"] as string;
    const expected = `sha256=${createHmac("sha256", "s3cret").update(`${timestamp}.${delivery!.body}`).digest("hex")}`;
    expect(delivery!.headers["tributary-signature"]).toBe(expected);
    // The SDK's check (the same function a receiver can import) accepts it.
    expect(verifyDelivery("s3cret", { signature: expected, timestamp, body: delivery!.body })).toBe(true);
    expect(delivery!.headers.authorization).toBe("Bearer abc");
    expect(delivery!.headers["x-team"]).toBe("core");
    // The secret appears nowhere: not in the stream, not in the state.
    expect(JSON.stringify(await readEvents(server.url, path))).not.toContain("s3cret");
    const state = await stateOf(server.url, path);
    expect(JSON.stringify(state)).not.toContain("s3cret");
    expect(JSON.stringify(state)).not.toContain("Bearer abc");
    expect(JSON.stringify(await readEvents(server.url, path))).not.toContain("Bearer abc");
    expect(state.subscriptions.subscriptions[0].headerNames).toEqual(["authorization", "x-team"]);
  });

  it("records each failed attempt as subscription/delivery-failed, retries with backoff, and never delivers those events", async () => {
    const path = "/hooks/failing";
    receiver.setDown(true);
    try {
      await subscribe(server.url, path, { slug: "flaky", url: receiver.url });
      await appendJson(server.url, path, { type: "important" });
      const failures = await waitFor(async () => {
        const list = (await readEvents(server.url, path)).filter((event) => event.type === "subscription/delivery-failed");
        return list.length >= 2 ? list : undefined;
      }, "two failed attempts");
      expect(failures[0]!.payload).toMatchObject({ slug: "flaky", offset: 2, attempt: 1, error: "HTTP 503" });
      expect(failures[1]!.payload).toMatchObject({ attempt: 2 });
      // Backoff: the second attempt came no earlier than planned (0.5 s on), and the third is planned 1 s after it.
      const [first, second] = failures.map((event) => ({ at: Date.parse(event.createdAt), next: Date.parse(event.payload.nextAttemptAt as string) }));
      expect(second!.at).toBeGreaterThanOrEqual(first!.next);
      expect(second!.next - first!.next).toBeGreaterThanOrEqual(1000);
      const state = await stateOf(server.url, path);
      expect(state.subscriptions.subscriptions[0].failing).toMatchObject({ offset: 2, lastError: "HTTP 503" });
    } finally {
      receiver.setDown(false);
    }
    await waitFor(() => deliveredTo(path).length === 1, "the delivery once the receiver is back");
    await appendJson(server.url, path, { type: "after" });
    await waitFor(() => deliveredTo(path).length === 2, "the next delivery");
    expect(deliveredTo(path).map((delivery) => delivery.event.type)).toEqual(["important", "after"]);
  });

  it("names an unreachable receiver and a missing secret in the failure events", async () => {
    const closed = await startReceiver();
    await closed.close();
    await subscribe(server.url, "/hooks/unreachable", { slug: "nowhere", url: closed.url });
    await subscribe(server.url, "/hooks/unreachable", { slug: "unsigned", url: receiver.url, secretName: "never-set", types: ["x"] });
    await appendJson(server.url, "/hooks/unreachable", { type: "x" });
    const failures = await waitFor(async () => {
      const list = (await readEvents(server.url, "/hooks/unreachable")).filter((event) => event.type === "subscription/delivery-failed");
      return list.some((e) => e.payload.slug === "nowhere") && list.some((e) => e.payload.slug === "unsigned") ? list : undefined;
    }, "both failures");
    expect(failures.find((e) => e.payload.slug === "nowhere")!.payload.error).toMatch(/ECONNREFUSED/);
    expect(failures.find((e) => e.payload.slug === "unsigned")!.payload.error).toContain("the secret 'never-set' is not set");
    await appendJson(server.url, "/hooks/unreachable", { type: "subscription/removed", payload: { slug: "nowhere" } });
    await appendJson(server.url, "/hooks/unreachable", { type: "subscription/removed", payload: { slug: "unsigned" } });
  });

  it("stops delivering when the subscription is removed", async () => {
    const path = "/hooks/removed";
    await subscribe(server.url, path, { slug: "temp", url: receiver.url, types: ["x"] });
    await appendJson(server.url, path, { type: "x", payload: { n: 1 } });
    await waitFor(() => deliveredTo(path).length === 1, "the first delivery");
    await appendJson(server.url, path, { type: "subscription/removed", payload: { slug: "temp" } });
    await appendJson(server.url, path, { type: "x", payload: { n: 2 } });
    // A second subscription on the same stream proves the later event was processed by now.
    await subscribe(server.url, path, { slug: "probe", url: receiver.url, types: ["y"] });
    await appendJson(server.url, path, { type: "y" });
    await waitFor(() => deliveredTo(path).length === 2, "the probe's delivery");
    expect(deliveredTo(path).map((delivery) => delivery.event.type)).toEqual(["x", "y"]);
  });

  it("answers bad configurations with 400 and a message that says what to fix", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ slug: "a", url: "not a url" }, /url/],
      [{ slug: "a", url: "ftp://example.com/x" }, /http:\/\/ or https:\/\//],
      [{ slug: "a", url: "http://example.com", filter: "type = " }, /filter: not a valid JSONata expression/],
      [{ slug: "a", url: "http://example.com", secretName: "no spaces allowed" }, /secretName/],
      [{ slug: "a", url: "http://example.com", types: "note" }, /types/],
      [
        { slug: "a", url: "http://example.com", headers: { authorization: "Bearer abc" } },
        /headers.authorization: a credential belongs in a secret.*\{\{secret:<name>\}\}/,
      ],
      [{ slug: "a", url: "http://example.com", headers: { "x-api-key": "k" } }, /headers.x-api-key/],
    ];
    for (const [payload, message] of cases) {
      const response = await subscribe(server.url, "/hooks/bad", payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
      expect((await response.json()).message).toMatch(message);
    }
    const removal = await appendJson(server.url, "/hooks/bad", { type: "subscription/removed", payload: { slug: "ghost" } });
    expect(removal.status).toBe(400);
    expect((await removal.json()).message).toContain("there is no subscription 'ghost'");
    const forged = await appendJson(server.url, "/hooks/bad", {
      type: "subscription/delivery-failed",
      payload: { slug: "a", offset: 1, attempt: 1, error: "x" },
    });
    expect(forged.status).toBe(400);
  });
});

describe("secrets", () => {
  it("stores secrets write-only: PUT creates or replaces, GET lists names only, DELETE removes", async () => {
    expect((await putSecret(server.url, "api-key", { value: "one" })).status).toBe(201);
    const replaced = await putSecret(server.url, "api-key", "two", { "content-type": "text/plain" });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ name: "api-key", project: "default" });
    const list = await getJson(`${server.url}/api/secrets`);
    expect(list.secrets.map((s: { name: string }) => s.name)).toContain("api-key");
    expect(JSON.stringify(list)).not.toContain("two");
    const read = await fetch(`${server.url}/api/secrets/api-key`);
    expect(read.status).toBe(405);
    expect((await read.json()).message).toContain("write-only");
    expect((await fetch(`${server.url}/api/secrets/api-key`, { method: "DELETE" })).status).toBe(200);
    const again = await fetch(`${server.url}/api/secrets/api-key`, { method: "DELETE" });
    expect(again.status).toBe(404);
  });

  it("keeps secrets per project", async () => {
    await putSecret(server.url, "shared-name", { value: "a" });
    const other = await getJson(`${server.url}/api/secrets?project=other`);
    expect(other.secrets.map((s: { name: string }) => s.name)).not.toContain("shared-name");
  });

  it("answers a bad name or body with 400 and what to fix", async () => {
    const badName = await putSecret(server.url, "9lives", { value: "x" });
    expect(badName.status).toBe(400);
    expect((await badName.json()).message).toContain("starting with a letter");
    const noValue = await putSecret(server.url, "ok-name", { secret: "x" });
    expect(noValue.status).toBe(400);
    const notJson = await putSecret(server.url, "ok-name", "{oops");
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).message).toContain('{"value": "..."}');
  });
});

describe("deliveries across a restart", () => {
  it("delivers every matching event exactly once and in order to a receiver that was down across a server restart", async () => {
    const hook = await startReceiver();
    hook.setDown(true);
    const path = "/hooks/restart";
    const first = await startTestServer({ keepDataDir: true });
    await subscribe(first.url, path, { slug: "durable", url: hook.url, types: ["note"] });
    for (let i = 1; i <= 5; i++) {
      await appendJson(first.url, path, { type: "note", payload: { i } });
      await appendJson(first.url, path, { type: "noise", payload: { i } });
    }
    await waitFor(
      async () => (await readEvents(first.url, path)).filter((e) => e.type === "subscription/delivery-failed").length >= 2,
      "failures on the first server",
    );
    await first.close();

    const second = await startTestServer({ dataDir: first.dataDir });
    try {
      for (let i = 6; i <= 10; i++) await appendJson(second.url, path, { type: "note", payload: { i } });
      const failuresBefore = hook.attempts();
      await waitFor(() => hook.attempts() > failuresBefore, "an attempt from the second server");
      hook.setDown(false);
      await waitFor(() => hook.received.length === 10, "all ten notes", 20_000);
      await appendJson(second.url, path, { type: "note", payload: { i: 11 } });
      await waitFor(() => hook.received.length === 11, "the eleventh note");
      expect(hook.received.map((delivery) => delivery.event.payload.i)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      const offsets = hook.received.map((delivery) => delivery.event.offset);
      expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
      expect(hook.received.every((delivery) => delivery.event.type === "note")).toBe(true);
    } finally {
      await second.close();
      await hook.close();
    }
  });
});

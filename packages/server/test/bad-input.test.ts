import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents } from "./support/http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxBodyBytes: 64 * 1024, maxEventBytes: 16 * 1024 } });
});
afterAll(async () => {
  await server.close();
});

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("json");
  const body = await response.json();
  expect(body).toMatchObject({ code, status });
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(10);
  return body;
}

describe("bad input gets a clear 4xx and the server keeps serving", () => {
  it("rejects bad paths", async () => {
    for (const path of ["/a//b", "/a%2F..%2Fb", "/a%2F.%2Fb", "/a%ZZ", "/sp ace", "/a/b%00", "/a/%C3%A9"]) {
      const response = await fetch(`${server.url}/api/streams${path}`, { method: "POST", body: '{"type":"x"}' });
      await expectError(response, 400, "invalid_path");
    }
    const long = `/${"a".repeat(1030)}`;
    await expectError(await fetch(`${server.url}/api/streams${long}`), 400, "invalid_path");
  });

  it("measures an event as stored, not as sent: numbers written short (1e20) that grow past the event limit are refused", async () => {
    // 2,400 × "1e20," is 12 KB sent (under the 16 KB event limit); stored, each is 21 digits: 53 KB.
    const numbers = `{"type":"n","payload":{"a":[${Array.from({ length: 2400 }, () => "1e20").join(",")}]}}`;
    expect(numbers.length).toBeLessThan(16 * 1024);
    await expectError(await fetch(`${server.url}/api/streams/limits/numbers`, { method: "POST", body: numbers }), 413, "event_too_large");
    const batch = `{"events":[{"type":"small"},${numbers}]}`;
    await expectError(await fetch(`${server.url}/api/streams/limits/numbers`, { method: "POST", body: batch }), 413, "event_too_large");
    expect(await readEvents(server.url, "/limits/numbers")).toEqual([]);
  });

  it("validates an event's fields at their edges, in strict mode with the field named, otherwise stored as invalid", async () => {
    let streams = 0;
    const strict = (event: unknown) => fetch(`${server.url}/api/streams/edges/${++streams}?strict=true`, { method: "POST", body: JSON.stringify(event) });
    const accepted = [
      { type: "t".repeat(512) },
      { type: "x", payload: {}, metadata: { m: 1 }, idempotencyKey: "k".repeat(512), offset: 1 },
      { type: "x", payload: { nested: [1, { a: null }] } },
    ];
    for (const event of accepted) expect((await strict(event)).status, JSON.stringify(event).slice(0, 80)).toBe(201);
    const refused: [unknown, RegExp][] = [
      [{ type: "" }, /type/],
      [{ type: "t".repeat(513) }, /type/],
      [{ type: 1 }, /type/],
      [{ type: "x", payload: [] }, /payload/],
      [{ type: "x", payload: null }, /payload/],
      [{ type: "x", metadata: "m" }, /metadata/],
      [{ type: "x", idempotencyKey: "" }, /idempotencyKey/],
      [{ type: "x", idempotencyKey: "k".repeat(513) }, /idempotencyKey/],
      [{ type: "x", offset: 0 }, /offset/],
      [{ type: "x", offset: 1.5 }, /offset/],
      [{ type: "x", offset: "3" }, /offset/],
      [{ type: "x", extra: true }, /extra/],
      [["x"], /object|array/i],
    ];
    for (const [event, field] of refused) {
      const body = await expectError(await strict(event), 400, "invalid_event");
      expect(body.message, JSON.stringify(event).slice(0, 80)).toMatch(field);
    }
    const stored = await appendJson(server.url, "/edges/lenient", { type: "x", offset: 0 });
    expect(stored.status).toBe(201);
    expect(await stored.json()).toMatchObject({ type: "stream/invalid-event-appended", payload: { rawInput: { type: "x", offset: 0 } } });
  });

  it("rejects an oversized body and an oversized event, and stores nothing", async () => {
    const big = JSON.stringify({ type: "big", payload: { blob: "x".repeat(70 * 1024) } });
    await expectError(await fetch(`${server.url}/api/streams/limits`, { method: "POST", body: big }), 413, "body_too_large");
    const event = JSON.stringify({ type: "big", payload: { blob: "x".repeat(20 * 1024) } });
    await expectError(await fetch(`${server.url}/api/streams/limits`, { method: "POST", body: event }), 413, "event_too_large");
    // A chunked body has no Content-Length; it is counted while read.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/api/streams/limits`, { method: "POST", body: chunks, duplex: "half" } as RequestInit);
    await expectError(chunked, 413, "body_too_large");
    expect(await readEvents(server.url, "/limits")).toEqual([]);
  });

  it("rejects bad cursors and bad query values", async () => {
    await expectError(await fetch(`${server.url}/api/streams/x?afterOffset=banana`), 400, "invalid_cursor");
    await expectError(await fetch(`${server.url}/api/streams/x?beforeOffset=-1`), 400, "invalid_cursor");
    await expectError(await fetch(`${server.url}/api/streams/x`, { headers: { "last-event-id": "x1" } }), 400, "invalid_cursor");
    await expectError(await fetch(`${server.url}/api/streams/x?live=maybe`), 400, "invalid_query");
    await expectError(await fetch(`${server.url}/api/streams/x?format=xml`), 400, "invalid_query");
    await expectError(await fetch(`${server.url}/api/streams/x?format=json&limit=0`), 400, "invalid_query");
    await expectError(await fetch(`${server.url}/api/streams/x?format=json&live=true`), 400, "invalid_query");
  });

  it("rejects a bad project name", async () => {
    await expectError(await fetch(`${server.url}/api/streams/x`, { headers: { "x-tributary-project": "../etc" } }), 400, "invalid_project");
  });

  it("rejects bad JSON in strict mode and in built-in payloads", async () => {
    await expectError(await fetch(`${server.url}/api/streams/x?strict=true`, { method: "POST", body: "{" }), 400, "invalid_event");
    await expectError(await appendJson(server.url, "/x", { type: "stream/paused", payload: { reason: 42 } }), 400, "invalid_event");
    await expectError(await appendJson(server.url, "/x", { events: [] }), 400, "invalid_event");
  });

  it("answers unknown routes with 404 and unsupported methods with 405", async () => {
    await expectError(await fetch(`${server.url}/api/nothing`), 404, "not_found");
    await expectError(await fetch(`${server.url}/api/streams/x`, { method: "PATCH" }), 405, "method_not_allowed");
  });

  it("is still serving after all of that", async () => {
    const response = await appendJson(server.url, "/still/alive", { type: "ok" });
    expect(response.status).toBe(201);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });
});

import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxStreamPathDepth } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(`${server.url}/api/streams${path}`, { method: "POST", body, headers });

const readAll = async (path: string) => {
  const response = await fetch(`${server.url}/api/streams${path}?format=json&limit=10000`);
  return ((await response.json()) as { events: { type: string; offset: number; payload: Record<string, unknown> }[] }).events;
};

describe("appending events", () => {
  it("stores an event with offset 1, the next with offset 2, and returns the stored envelope", async () => {
    const first = await post("/me/hello-world", JSON.stringify({ type: "hello-world" }));
    expect(first.status).toBe(201);
    const stored = await first.json();
    expect(stored).toMatchObject({ type: "hello-world", payload: {}, streamPath: "/me/hello-world", offset: 1 });
    expect(new Date(stored.createdAt).toISOString()).toBe(stored.createdAt);
    const second = await post("/me/hello-world", JSON.stringify({ type: "hello-world", payload: { n: 2 } }));
    expect(await second.json()).toMatchObject({ offset: 2, payload: { n: 2 } });
  });

  it("appends a stream/child-created event to every ancestor when a stream is created", async () => {
    await post("/family/parent/child", JSON.stringify({ type: "born" }));
    const parent = await readAll("/family/parent");
    expect(parent.map((e) => [e.type, e.payload.childPath])).toEqual([["stream/child-created", "/family/parent/child"]]);
    const family = await readAll("/family");
    expect(family.map((e) => e.payload.childPath)).toEqual(["/family/parent", "/family/parent/child"]);
    const root = await readAll("/");
    expect(root.map((e) => e.payload.childPath)).toEqual(expect.arrayContaining(["/family", "/family/parent", "/family/parent/child"]));
    await post("/family/parent/child", JSON.stringify({ type: "again" }));
    expect(await readAll("/family/parent")).toHaveLength(1);
  });

  it(`announces a new stream once to each ancestor: O(depth) events per created stream, bounded by the ${maxStreamPathDepth}-segment limit`, async () => {
    const chain = Array.from({ length: maxStreamPathDepth }, (_, i) => `d${i}`);
    const pathOf = (segments: string[]) => `/deep${segments.length ? "/" : ""}${segments.join("/")}`;
    // The deepest allowed path, created from nothing: each of its 32 new streams is announced to each of
    // its ancestors (the semantics of 1.3), 1 + 2 + … + 32 events in all.
    const leaf = chain.slice(0, maxStreamPathDepth - 1);
    expect((await post(pathOf(leaf), JSON.stringify({ type: "leaf" }))).status).toBe(201);
    const ancestorsOf = (segments: string[]) => ["/", ...Array.from({ length: segments.length }, (_, i) => pathOf(segments.slice(0, i)))];
    const counts = async (segments: string[]) =>
      Promise.all(ancestorsOf(segments).map(async (path) => (await readAll(path)).filter((e) => e.type === "stream/child-created").length));
    const before = await counts(leaf);
    // Every ancestor below the project root had only this chain announced to it: depth − its own depth.
    expect(before.slice(1)).toEqual(
      ancestorsOf(leaf)
        .slice(1)
        .map((_, i) => maxStreamPathDepth - 1 - i),
    );
    // A new sibling leaf under existing ancestors: exactly one event per ancestor, nothing more.
    const sibling = [...leaf.slice(0, -1), "other"];
    expect((await post(pathOf(sibling), JSON.stringify({ type: "leaf" }))).status).toBe(201);
    const after = await counts(sibling);
    expect(after.map((count, i) => count - before[i]!)).toEqual(ancestorsOf(sibling).map(() => 1));
    expect(ancestorsOf(sibling)).toHaveLength(maxStreamPathDepth);
  });

  it("accepts a wrapped {event} body and an atomic {events} batch", async () => {
    const wrapped = await post("/wrap", JSON.stringify({ event: { type: "wrapped", payload: { a: 1 } } }));
    expect(wrapped.status).toBe(201);
    expect(await wrapped.json()).toMatchObject({ type: "wrapped", payload: { a: 1 }, offset: 1 });
    const batch = await post("/wrap", JSON.stringify({ events: [{ type: "one" }, { type: "two" }] }));
    expect(batch.status).toBe(201);
    const body = await batch.json();
    expect(body.events.map((e: { offset: number }) => e.offset)).toEqual([2, 3]);
    expect(body.replayed).toEqual([false, false]);
  });

  it("fails a whole batch when one event's offset precondition fails", async () => {
    const response = await post("/atomic", JSON.stringify({ events: [{ type: "a" }, { type: "b", offset: 7 }] }));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "offset_conflict", currentOffset: 0 });
    expect(await readAll("/atomic")).toEqual([]);
  });

  it("stores a body without a type as stream/invalid-event-appended with the raw input", async () => {
    const response = await post("/tolerant", JSON.stringify({ hogwash: "yes!" }));
    expect(response.status).toBe(201);
    const stored = await response.json();
    expect(stored.type).toBe("stream/invalid-event-appended");
    expect(stored.payload.rawInput).toEqual({ hogwash: "yes!" });
    expect(stored.payload.error).toContain("type is required");
  });

  it("stores a non-JSON body and a form-encoded webhook body as invalid events", async () => {
    const text = await post("/tolerant", "this is { not json", { "content-type": "text/plain" });
    expect(((await text.json()) as { payload: { rawInput: string } }).payload.rawInput).toBe("this is { not json");
    const form = await post("/tolerant", "command=%2Fask&text=hello+there", { "content-type": "application/x-www-form-urlencoded" });
    const stored = await form.json();
    expect(stored.type).toBe("stream/invalid-event-appended");
    expect(stored.payload.rawInput).toEqual({ command: "/ask", text: "hello there" });
  });

  it("refuses an invalid body with 400 in strict mode and stores nothing", async () => {
    const response = await post("/strict?strict=true", "{oops");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_event" });
    expect(await readAll("/strict")).toEqual([]);
  });

  it("returns the original event for a repeated idempotency key and appends nothing", async () => {
    const body = JSON.stringify({ type: "charge", idempotencyKey: "order-17" });
    const first = await post("/idem", body);
    expect(first.status).toBe(201);
    expect(first.headers.get("tributary-idempotent-replay")).toBeNull();
    const original = await first.json();
    const second = await post("/idem", body);
    expect(second.status).toBe(200);
    expect(second.headers.get("tributary-idempotent-replay")).toBe("true");
    expect(await second.json()).toEqual(original);
    expect(await readAll("/idem")).toHaveLength(1);
  });

  it("refuses an append whose offset precondition is stale and names the current offset", async () => {
    await post("/occ", JSON.stringify({ type: "a", offset: 1 }));
    const stale = await post("/occ", JSON.stringify({ type: "b", offset: 1 }));
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: "offset_conflict", currentOffset: 1 });
    const fresh = await post("/occ", JSON.stringify({ type: "b", offset: 2 }));
    expect(fresh.status).toBe(201);
  });

  it("keeps projects apart: the same path in two projects is two streams", async () => {
    await fetch(`${server.url}/api/streams/shared`, { method: "POST", body: '{"type":"a"}', headers: { "x-tributary-project": "alpha" } });
    await fetch(`${server.url}/api/streams/shared?project=beta`, { method: "POST", body: '{"type":"b"}' });
    const alpha = await (await fetch(`${server.url}/api/streams/shared?format=json`, { headers: { "x-tributary-project": "alpha" } })).json();
    const beta = await (await fetch(`${server.url}/api/streams/shared?format=json&project=beta`)).json();
    expect(alpha.events.map((e: { type: string }) => e.type)).toEqual(["a"]);
    expect(beta.events.map((e: { type: string }) => e.type)).toEqual(["b"]);
    expect(await readAll("/shared")).toEqual([]);
  });

  it("reads a body whole however it arrives: with its headers, a part after them, or without a Content-Length", async () => {
    // A raw socket, so the headers and the body's two halves are separate writes.
    const rawPost = (path: string, parts: string[], chunked = false) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(server.url);
        const socket = connect(Number(port), "127.0.0.1");
        const body = parts.join("");
        const head = `POST /api/streams${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nconnection: close\r\n`;
        let answer = "";
        socket.on("data", (chunk: Buffer) => (answer += chunk.toString("utf8")));
        socket.on("end", () => resolve(answer));
        socket.on("error", reject);
        if (chunked) {
          socket.write(`${head}transfer-encoding: chunked\r\n\r\n`);
          for (const part of parts) socket.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
          socket.write("0\r\n\r\n");
          return;
        }
        socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${parts[0]}`);
        setTimeout(() => socket.write(parts.slice(1).join("")), 50);
      });
    const event = (n: number) => JSON.stringify({ type: "arrived", payload: { n, text: "\u00e9t\u00e9 \u2603 \ud83d\ude00" } });
    const whole = await rawPost("/me/arrivals", [event(1)]);
    const split = await rawPost("/me/arrivals", [event(2).slice(0, 20), event(2).slice(20)]);
    const chunked = await rawPost("/me/arrivals", [event(3).slice(0, 20), event(3).slice(20)], true);
    for (const answer of [whole, split, chunked]) expect(answer).toMatch(/^HTTP\/1\.1 201/);
    const stored = await readAll("/me/arrivals");
    expect(stored.map((e) => [e.type, e.payload])).toEqual([1, 2, 3].map((n) => ["arrived", JSON.parse(event(n)).payload]));
  });

  it("accepts URL-encoded slashes in the path", async () => {
    const response = await post("/enc%2Fpath", JSON.stringify({ type: "x" }));
    expect(await response.json()).toMatchObject({ streamPath: "/enc/path" });
  });
});

describe("pausing", () => {
  it("refuses appends to a paused stream with 423 and the reason, stores nothing, and accepts the resume", async () => {
    const paused = await post("/pausable", JSON.stringify({ type: "stream/paused", payload: { reason: "demo" } }));
    expect(paused.status).toBe(201);
    const refused = await post("/pausable", JSON.stringify({ type: "hello-world" }));
    expect(refused.status).toBe(423);
    expect(await refused.json()).toMatchObject({ code: "stream_paused", reason: "demo" });
    const resumed = await post("/pausable", JSON.stringify({ type: "stream/resumed", payload: { reason: "done" } }));
    expect(resumed.status).toBe(201);
    expect((await post("/pausable", JSON.stringify({ type: "hello-world" }))).status).toBe(201);
    expect((await readAll("/pausable")).map((e) => e.type)).toEqual(["stream/paused", "stream/resumed", "hello-world"]);
    const state = await (await fetch(`${server.url}/api/state/pausable`)).json();
    expect(state).toMatchObject({ exists: true, eventCount: 3, pause: null });
  });

  it("answers a stream/paused without a reason with 400 that says what to fix", async () => {
    const response = await post("/pausable2", JSON.stringify({ type: "stream/paused" }));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.code).toBe("invalid_event");
    expect(body.message).toContain("reason");
  });

  it("refuses a client's append of a server-only or unknown reserved type", async () => {
    const spoof = await post("/reserved", JSON.stringify({ type: "stream/child-created", payload: { childPath: "/x" } }));
    expect(spoof.status).toBe(400);
    expect((await spoof.json()).code).toBe("reserved_type");
    const unknown = await post("/reserved", JSON.stringify({ type: "stream/whatever" }));
    expect(unknown.status).toBe(400);
  });
});

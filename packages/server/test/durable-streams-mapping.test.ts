import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents } from "./support/http.ts";

// How the Durable Streams face maps onto Tributary's streams (docs/durable-streams.md). Runs on SQLite
// (project main) and PostgreSQL (project server-on-postgres).

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const ds = (path: string, init: RequestInit = {}, query = "") => fetch(`${server.url}/v1/stream${path}${query}`, init);
const chunked = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < text.length; i += 65_536) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 65_536)));
      controller.close();
    },
  });
const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("JSON streams are Tributary event streams", () => {
  it("stores a DS append of an event as that event and of any other value as stream/invalid-event-appended, and reads both back", async () => {
    expect((await ds("/map/json", { method: "PUT", headers: { "content-type": "application/json" } })).status).toBe(201);
    const appended = await ds("/map/json", json([{ type: "agent-input-added", payload: { content: "hi" } }, { note: "not an event" }, 42]));
    expect(appended.status).toBe(204);
    expect(appended.headers.get("stream-next-offset")).toBe("0000000000000003");

    const events = await readEvents(server.url, "/map/json");
    expect(events.map((event) => [event.offset, event.type])).toEqual([
      [1, "agent-input-added"],
      [2, "stream/invalid-event-appended"],
      [3, "stream/invalid-event-appended"],
    ]);
    expect(events[1]!.payload.rawInput).toEqual({ note: "not an event" });

    const read = await ds("/map/json", {}, "?offset=-1");
    const messages = (await read.json()) as unknown[];
    expect(messages[0]).toMatchObject({ type: "agent-input-added", payload: { content: "hi" }, streamPath: "/map/json", offset: 1 });
    expect(messages.slice(1)).toEqual([{ note: "not an event" }, 42]);
  });

  it("serves a stream created through /api/streams as a JSON stream with the same offsets, without a PUT", async () => {
    await appendJson(server.url, "/map/native", { type: "hello-world" });
    await appendJson(server.url, "/map/native", { type: "hello-again" });
    const head = await ds("/map/native", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json");
    expect(head.headers.get("stream-next-offset")).toBe("0000000000000002");
    const after1 = (await (await ds("/map/native", {}, "?offset=0000000000000001")).json()) as StoredEvent[];
    expect(after1.map((event) => event.type)).toEqual(["hello-again"]);
  });

  it("forgets a closed JSON stream's DS record when the stream is deleted through /api/streams", async () => {
    await ds("/map/deleted", { method: "PUT", headers: { "content-type": "application/json", "stream-closed": "true" }, body: '{"type":"only"}' });
    expect((await ds("/map/deleted", { method: "HEAD" })).headers.get("stream-closed")).toBe("true");
    expect((await fetch(`${server.url}/api/streams/map/deleted`, { method: "DELETE" })).status).toBe(200);
    expect((await ds("/map/deleted", { method: "HEAD" })).status).toBe(404);
    await appendJson(server.url, "/map/deleted", { type: "again" });
    const head = await ds("/map/deleted", { method: "HEAD" });
    expect(head.headers.get("stream-closed")).toBeNull();
    expect(head.headers.get("stream-next-offset")).toBe("0000000000000001");
  });

  it("refuses a DS append to a paused stream with the pause's reason, and stores nothing", async () => {
    await appendJson(server.url, "/map/paused", { type: "stream/paused", payload: { reason: "maintenance" } });
    const refused = await ds("/map/paused", json({ type: "hello-world" }));
    expect(refused.status).toBe(423);
    expect(JSON.stringify(await refused.json())).toContain("maintenance");
    expect((await readEvents(server.url, "/map/paused")).map((event) => event.type)).toEqual(["stream/paused"]);
  });
});

describe("idempotent producers", () => {
  it("stores a producer's retry once even when a crash lost the stream's record after its events were stored", async () => {
    const produce = (seq: number, body: unknown) =>
      ds("/map/producer", {
        ...json(body),
        headers: { "content-type": "application/json", "producer-id": "p1", "producer-epoch": "0", "producer-seq": String(seq) },
      });
    await ds("/map/producer", { method: "PUT", headers: { "content-type": "application/json" } });
    const before = await server.parts.store.getDurableStream("default", "/map/producer");
    expect((await produce(0, [{ type: "a" }, { type: "b" }])).status).toBe(200);
    // The crash window: the events are stored, the record (with the producer's sequence) is not.
    await server.parts.store.putDurableStream("default", "/map/producer", before!);
    expect((await produce(0, [{ type: "a" }, { type: "b" }])).status).toBe(200);
    expect((await produce(1, { type: "c" })).status).toBe(200);
    expect((await readEvents(server.url, "/map/producer")).map((event) => event.type)).toEqual(["a", "b", "c"]);
  });
});

describe("projects", () => {
  it("keeps the same DS name in two projects apart, chosen by header or query parameter as on the event API", async () => {
    const put = (project: string, body: string) =>
      ds("/map/projects", { method: "PUT", headers: { "content-type": "text/plain", "x-tributary-project": project }, body });
    expect((await put("alpha", "in alpha")).status).toBe(201);
    expect((await put("beta", "in beta")).status).toBe(201);
    expect(await (await ds("/map/projects", {}, "?project=alpha&offset=-1")).text()).toBe("in alpha");
    expect(await (await ds("/map/projects", {}, "?project=beta&offset=-1")).text()).toBe("in beta");
    expect((await ds("/map/projects", { method: "HEAD" })).status).toBe(404);
  });
});

describe("byte streams live apart from the event streams", () => {
  it("keeps a text stream's bytes out of the event API, the tree and the root's child-created events", async () => {
    const created = await ds("/map/bytes/log", { method: "PUT", headers: { "content-type": "text/plain" }, body: "line 1\n" });
    expect(created.status).toBe(201);
    await ds("/map/bytes/log", { method: "POST", headers: { "content-type": "text/plain" }, body: "line 2\n" });
    expect(await (await ds("/map/bytes/log", {}, "?offset=-1")).text()).toBe("line 1\nline 2\n");

    expect((await fetch(`${server.url}/api/streams/map/bytes/log?format=json`)).status).toBe(200);
    expect(await readEvents(server.url, "/map/bytes/log")).toEqual([]);
    await appendJson(server.url, "/map/events-beside", { type: "hello-world" });
    const tree = JSON.stringify(await (await fetch(`${server.url}/api/tree/map`)).json());
    expect(tree).toContain("/map/events-beside");
    expect(tree).not.toContain("/map/bytes");
  });

  it("refuses a byte stream at a path that is already an event stream, since that path is JSON", async () => {
    await appendJson(server.url, "/map/taken", { type: "hello-world" });
    const refused = await ds("/map/taken", { method: "PUT", headers: { "content-type": "text/plain" } });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("stream_config_conflict");
  });
});

describe("bad input gets a 4xx that says what to fix", () => {
  it("answers a malformed offset, a bad path, a bad TTL and a missing stream with 400s and 404s, never 500", async () => {
    await ds("/map/bad", { method: "PUT", headers: { "content-type": "text/plain" } });
    const cases: [Promise<Response>, number][] = [
      [ds("/map/bad", {}, "?offset=12,3"), 400],
      [ds("/map/bad", {}, "?live=sse"), 400],
      [ds("/map/bad", {}, "?offset=-1&live=forever"), 400],
      [ds("/map/b@d", { method: "PUT" }), 400],
      [ds("/map/ttl", { method: "PUT", headers: { "stream-ttl": "1.5" } }), 400],
      [ds("/map/missing", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }), 404],
      [ds("/map/bad", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }), 409],
      [ds("/map/bad", { method: "POST", headers: { "content-type": "text/plain", "producer-id": "p" }, body: "x" }), 400],
      [ds("/map/bad", { method: "POST", headers: { "content-type": "text/plain" }, body: "x".repeat(5 * 1024 * 1024) }), 413],
      [
        ds("/map/bad", {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: chunked("x".repeat(5 * 1024 * 1024)),
          duplex: "half",
        } as RequestInit),
        413,
      ],
    ];
    for (const [response, status] of cases) {
      const answer = await response;
      expect(answer.status).toBe(status);
      expect(((await answer.json()) as { message: string }).message.length).toBeGreaterThan(10);
    }
  });
});

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TributaryError, type StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient } from "../src/index.ts";
import { readAll, waitFor } from "./support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { heartbeatMs: 100 } });
});
afterAll(async () => {
  await server.close();
});

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe("createEventsClient", () => {
  it("appends and returns the stored event; an idempotent replay returns the original", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const stored = await client.append({ path: "/client/append", event: { type: "hello-world", payload: { n: 1 }, idempotencyKey: "k1" } });
    expect(stored).toMatchObject({ type: "hello-world", payload: { n: 1 }, streamPath: "/client/append", offset: 1 });
    const replay = await client.append({ path: "/client/append", event: { type: "hello-world", payload: { n: 2 }, idempotencyKey: "k1" } });
    expect(replay).toEqual(stored);
    expect(await readAll(server.url, "/client/append")).toHaveLength(1);
  });

  it("throws a TributaryError with the server's code for a refused append, storing nothing", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const refused = async (event: unknown) => {
      try {
        await client.append({ path: "/client/refused", event: event as never });
      } catch (error) {
        return error as TributaryError;
      }
      throw new Error("expected a refusal");
    };
    const invalid = await refused({ payload: {} });
    expect(invalid).toBeInstanceOf(TributaryError);
    expect(invalid.code).toBe("invalid_event");
    expect(invalid.message).toContain("type");
    expect((await refused({ type: "stream/child-created", payload: { childPath: "/x" } })).code).toBe("reserved_type");
    await client.append({ path: "/client/refused", event: { type: "first" } });
    expect((await refused({ type: "second", offset: 5 })).code).toBe("offset_conflict");
    expect((await readAll(server.url, "/client/refused")).map((event) => event.type)).toEqual(["first"]);
  });

  it("throws invalid_path before sending anything for a bad path", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await expect(client.append({ path: "/a/../b", event: { type: "x" } })).rejects.toMatchObject({ code: "invalid_path" });
  });

  it("names the server and says it is unreachable when nothing listens there", async () => {
    const client = createEventsClient({ baseUrl: "http://127.0.0.1:9" });
    await expect(client.append({ path: "/a", event: { type: "x" } })).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("http://127.0.0.1:9"),
    });
    await expect(collect(client.stream({ path: "/a" }))).rejects.toMatchObject({ code: "unavailable" });
  });

  it("defaults baseUrl to TRIBUTARY_URL and sends the project", async () => {
    const previous = process.env.TRIBUTARY_URL;
    process.env.TRIBUTARY_URL = server.url;
    try {
      const client = createEventsClient({ project: "other-project" });
      expect(client.baseUrl).toBe(server.url);
      await client.append({ path: "/client/project", event: { type: "x" } });
      expect(await readAll(server.url, "/client/project")).toEqual([]);
      expect(await readAll(server.url, "/client/project", "other-project")).toHaveLength(1);
      expect(await collect(client.stream({ path: "/client/project" }))).toHaveLength(1);
    } finally {
      if (previous === undefined) delete process.env.TRIBUTARY_URL;
      else process.env.TRIBUTARY_URL = previous;
    }
  });

  it("streams a finite range with afterOffset and beforeOffset (numbers, start and end)", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.appendBatch({ path: "/client/range", events: [1, 2, 3, 4, 5].map((n) => ({ type: "n", payload: { n } })) });
    const offsets = async (options: Parameters<typeof client.stream>[0]) => (await collect(client.stream(options))).map((event) => event.offset);
    expect(await offsets({ path: "/client/range" })).toEqual([1, 2, 3, 4, 5]);
    expect(await offsets({ path: "/client/range", afterOffset: 2 })).toEqual([3, 4, 5]);
    expect(await offsets({ path: "/client/range", afterOffset: 1, beforeOffset: 4 })).toEqual([2, 3]);
    expect(await offsets({ path: "/client/range", afterOffset: "end" })).toEqual([]);
    expect(await offsets({ path: "/client/range", beforeOffset: "end" })).toEqual([1, 2, 3, 4, 5]);
    expect(await offsets({ path: "/client/nothing" })).toEqual([]);
  });

  it("streams batches: the same events in the same order, in arrays that are never empty, bounded by the range", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    // Offset 1 raises the breaker's limit; 3,000 more make a response of several pieces.
    await client.append({ path: "/client/batches", event: { type: "circuit-breaker/configured", payload: { maxEvents: 1_000_000, windowSeconds: 1 } } });
    for (let batch = 0; batch < 3; batch++) {
      await client.appendBatch({ path: "/client/batches", events: Array.from({ length: 1000 }, (_, i) => ({ type: "n", payload: { n: batch * 1000 + i } })) });
    }
    const batches = async (options: Parameters<typeof client.streamBatches>[0]) => {
      const read: StoredEvent[][] = [];
      for await (const batch of client.streamBatches(options)) read.push(batch);
      return read;
    };
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const whole = await batches({ path: "/client/batches" });
    expect(whole.every((batch) => batch.length > 0)).toBe(true);
    expect(whole.length).toBeGreaterThan(1);
    expect(whole.flat().map((event) => event.offset)).toEqual(range(1, 3001));
    expect((await collect(client.stream({ path: "/client/batches" }))).map((event) => event.offset)).toEqual(range(1, 3001));
    expect((await batches({ path: "/client/batches", afterOffset: 1500, beforeOffset: 2501 })).flat().map((event) => event.offset)).toEqual(range(1501, 2500));
    expect(await batches({ path: "/client/batches", afterOffset: "end" })).toEqual([]);
    expect(() => client.streamBatches({ path: "/client/batches", offset: 1, afterOffset: 1 })).toThrow(/streamBatches: give offset or afterOffset, not both/);
  });

  it("follows a live stream until its signal aborts", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/client/live", event: { type: "before" } });
    const controller = new AbortController();
    const seen: StoredEvent[] = [];
    const reading = (async () => {
      for await (const event of client.stream({ path: "/client/live", live: true, signal: controller.signal })) seen.push(event);
    })();
    await waitFor(() => seen.length === 1, "the backlog");
    await client.append({ path: "/client/live", event: { type: "after" } });
    await waitFor(() => seen.length === 2, "the live event");
    controller.abort();
    await reading;
    expect(seen.map((event) => event.type)).toEqual(["before", "after"]);
  });

  it("resumes a live stream after the server restarts, from the last offset it saw, without repeats", async () => {
    const own = await startTestServer({ keepDataDir: true, limits: { heartbeatMs: 100 } });
    const { port, dataDir } = own;
    const client = createEventsClient({ baseUrl: own.url });
    await client.append({ path: "/client/resume", event: { type: "one" } });
    const controller = new AbortController();
    const seen: StoredEvent[] = [];
    const reconnects: number[] = [];
    const reading = (async () => {
      const events = client.stream({
        path: "/client/resume",
        live: true,
        signal: controller.signal,
        onReconnect: ({ afterOffset }) => reconnects.push(afterOffset),
      });
      for await (const event of events) seen.push(event);
    })();
    await waitFor(() => seen.length === 1, "the first event");
    await own.close();
    const again = await startTestServer({ port, dataDir, keepDataDir: true, limits: { heartbeatMs: 100 } });
    try {
      await fetch(`${again.url}/api/streams/client/resume`, { method: "POST", body: '{"type":"two"}', headers: { "content-type": "application/json" } });
      await waitFor(() => seen.length === 2, "the event appended after the restart");
      expect(seen.map((event) => [event.offset, event.type])).toEqual([
        [1, "one"],
        [2, "two"],
      ]);
      expect(reconnects.length).toBeGreaterThan(0);
      expect(reconnects.every((offset) => offset === 1)).toBe(true);
    } finally {
      controller.abort();
      await reading;
      await again.close();
    }
  });

  it("drops a live connection that stays silent past idleTimeoutMs and resumes from the last offset with Last-Event-ID", async () => {
    // A server that sends one event on the first connection and then nothing (no heartbeat): a hung proxy.
    const requests: (string | undefined)[] = [];
    const silent = createServer((req, res) => {
      requests.push(req.headers["last-event-id"] as string | undefined);
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (requests.length === 1) res.write(`id: 1\ndata: ${JSON.stringify({ offset: 1, type: "one", streamPath: "/silent" })}\n\n`);
      else res.write(`id: 2\ndata: ${JSON.stringify({ offset: 2, type: "two", streamPath: "/silent" })}\n\n`);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const client = createEventsClient({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    const controller = new AbortController();
    const seen: string[] = [];
    try {
      for await (const event of client.stream({ path: "/silent", live: true, idleTimeoutMs: 100, signal: controller.signal })) {
        seen.push(event.type);
        if (seen.length === 2) break;
      }
    } finally {
      controller.abort();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    expect(seen).toEqual(["one", "two"]);
    expect(requests).toEqual([undefined, "1"]);
  });

  it("says the server is unavailable when the connection is lost in the middle of an answer", async () => {
    const cut = createServer((_req, res) => {
      res.writeHead(201, { "content-type": "application/json", "content-length": "100" });
      res.write('{"offset":1,');
      setImmediate(() => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => cut.listen(0, "127.0.0.1", resolve));
    const client = createEventsClient({ baseUrl: `http://127.0.0.1:${(cut.address() as AddressInfo).port}` });
    try {
      await expect(client.append({ path: "/cut", event: { type: "x" } })).rejects.toMatchObject({ code: "unavailable" });
    } finally {
      cut.closeAllConnections();
      await new Promise((resolve) => cut.close(resolve));
    }
  });

  it("rejects an append whose signal is aborted with the signal's reason, storing nothing", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const reason = new Error("changed my mind");
    await expect(client.append({ path: "/client/aborted", event: { type: "never" }, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await readAll(server.url, "/client/aborted")).toHaveLength(0);
  });

  it("lists children and the tree, reads state, and stores consumer cursors", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/client/tree/a/b", event: { type: "x" } });
    await client.append({ path: "/client/tree/c", event: { type: "x" } });
    expect((await client.children("/client/tree")).streams.map((stream) => stream.path)).toEqual(["/client/tree/a", "/client/tree/c"]);
    expect((await client.tree("/client/tree")).streams.map((stream) => stream.path).sort()).toEqual(["/client/tree/a", "/client/tree/a/b", "/client/tree/c"]);
    expect(await client.state("/client/tree/c")).toMatchObject({ exists: true, lastOffset: 1 });
    expect(await client.head("/client/tree/c")).toBe(1);
    expect(await client.head("/client/tree/none")).toBe(0);
    expect(await client.getCursor("/client/tree/c", "reader")).toBe(0);
    await client.putCursor("/client/tree/c", "reader", 1);
    expect(await client.getCursor("/client/tree/c", "reader")).toBe(1);
    await expect(client.getCursor("/client/tree/c", "bad name!")).rejects.toMatchObject({ code: "invalid_query" });
  });

  it("forks a stream at an offset and names the error of a fork onto an existing stream", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    for (const n of [1, 2, 3]) await client.append({ path: "/client/fork/source", event: { type: "step", payload: { n } } });
    const marker = await client.fork({ path: "/client/fork/source", atOffset: 2, to: "/client/fork/copy" });
    expect(marker).toMatchObject({ type: "stream/forked", offset: 3, streamPath: "/client/fork/copy", payload: { from: "/client/fork/source", atOffset: 2 } });
    expect((await collect(client.stream({ path: "/client/fork/copy" }))).map((event) => event.type)).toEqual(["step", "step", "stream/forked"]);
    await expect(client.fork({ path: "/client/fork/source", atOffset: 1, to: "/client/fork/copy" })).rejects.toMatchObject({ code: "stream_exists" });
    expect(() => client.fork({ path: "/client/fork/source", atOffset: 1, to: "/x", at: 3 } as never)).toThrow(TypeError);
  });
});

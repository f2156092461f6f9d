import http from "node:http";
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultProject } from "@tributary/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLiveHub, defaultTaskReadersAtMost, type EncodedRun, type LiveSubscriber } from "../src/live/live-hub.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, openReader, waitFor } from "./support/http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxReaderBufferBytes: 1024 * 1024 }, circuitBreaker: false });
});
afterAll(async () => {
  await server.close();
});

describe("live fan-out", () => {
  it("disconnects a reader that stops reading instead of buffering without bound, and the others get everything", async () => {
    const fast = openReader(`${server.url}/api/streams/fanout/slow?live=true`);
    let slowClosed = false;
    let slowBytes = 0;
    const slow = await new Promise<http.IncomingMessage>((resolve) => {
      http.get(`${server.url}/api/streams/fanout/slow?live=true`, (response) => {
        response.once("data", (chunk: Buffer) => (slowBytes += chunk.length));
        response.on("close", () => (slowClosed = true));
        response.on("error", () => (slowClosed = true));
        resolve(response);
      });
    });
    await appendJson(server.url, "/fanout/slow", { type: "hello" });
    await waitFor(() => fast.events().length === 1 && slowBytes > 0, "both readers to start");
    slow.pause();
    await waitFor(() => server.parts.hub.readerCount() === 2, "two registered readers");

    // The slow reader's kernel buffers absorb some megabytes first; the fast reader keeps up batch by batch.
    const blob = "x".repeat(4 * 1024);
    for (let batch = 0; batch < 1000 && server.parts.hub.readerCount() === 2; batch++) {
      const response = await appendJson(server.url, "/fanout/slow", { events: Array.from({ length: 25 }, (_, i) => ({ type: "big", payload: { i, blob } })) });
      const { events } = (await response.json()) as { events: { offset: number }[] };
      await waitFor(() => fast.events().length === events.at(-1)!.offset, "the fast reader to keep up");
    }
    await waitFor(() => server.parts.hub.readerCount() === 1, "the slow reader to be unregistered");
    // A paused socket does not see the server's FIN; once it reads again it finds the connection ended.
    slow.on("data", (chunk: Buffer) => (slowBytes += chunk.length));
    slow.resume();
    await waitFor(() => slowClosed, "the slow reader's connection to close");

    const last = await (await fetch(`${server.url}/api/streams/fanout/slow?format=json&afterOffset=end`)).json();
    await waitFor(() => fast.events().length === last.lastOffset, "the fast reader to receive every event");
    expect(fast.events().map((e) => e.offset)).toEqual(Array.from({ length: last.lastOffset }, (_, i) => i + 1));
    expect(slowBytes).toBeLessThan(last.lastOffset * 4 * 1024);
    fast.close();
  });

  it("serves live readers from memory: a reader that resumes with Last-Event-ID gets no duplicates", async () => {
    const first = openReader(`${server.url}/api/streams/fanout/resume?live=true`);
    for (let i = 0; i < 5; i++) await appendJson(server.url, "/fanout/resume", { type: "n", payload: { i } });
    await waitFor(() => first.events().length === 5, "five events");
    first.close();
    for (let i = 5; i < 8; i++) await appendJson(server.url, "/fanout/resume", { type: "n", payload: { i } });
    const second = openReader(`${server.url}/api/streams/fanout/resume?live=true`, { headers: { "last-event-id": "5" } });
    await appendJson(server.url, "/fanout/resume", { type: "n", payload: { i: 8 } });
    await waitFor(() => second.events().length === 4, "the missed and the new events");
    expect(second.events().map((e) => e.offset)).toEqual([6, 7, 8, 9]);
    second.close();
  });

  it("an HTTP/1.0 live reader (no chunked encoding) gets the same frames, unframed", async () => {
    const socket = connect({ host: "127.0.0.1", port: server.port });
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    socket.write("GET /api/streams/fanout/http10?live=true HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n");
    await waitFor(() => received.includes("\r\n\r\n"), "the response head");
    await waitFor(() => server.parts.hub.readerCount() >= 1, "the reader to be registered");
    for (let i = 0; i < 3; i++) await appendJson(server.url, "/fanout/http10", { type: "n", payload: { i } });
    await waitFor(() => (received.match(/^data: /gm) ?? []).length === 3, "three frames");
    const [head, body] = received.split("\r\n\r\n") as [string, string];
    expect(head).not.toMatch(/transfer-encoding: chunked/i);
    expect(
      body
        .split("\n\n")
        .filter(Boolean)
        .map((frame) => frame.split("\n")[0]),
    ).toEqual(["id: 1", "id: 2", "id: 3"]);
    socket.destroy();
  });

  it("frames each live run as HTTP/1.1 chunks whose sizes count bytes, not characters", async () => {
    const socket = connect({ host: "127.0.0.1", port: server.port });
    let received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.write("GET /api/streams/fanout/chunks?live=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    await waitFor(() => received.includes("\r\n\r\n"), "the response head");
    await waitFor(() => server.parts.hub.readerCount() >= 1, "the reader to be registered");
    // Two- to four-byte characters: a size that counted UTF-16 units would fall short of the bytes.
    const texts = ["héllo", "日本語のテキスト", "emoji 🎉🎉", "plain"];
    for (const text of texts) await appendJson(server.url, "/fanout/chunks", { type: "n", payload: { text } });
    await appendJson(server.url, "/fanout/chunks", { events: texts.map((text) => ({ type: "n", payload: { text } })) });
    await waitFor(() => (received.toString("utf8").match(/^data: /gm) ?? []).length === 2 * texts.length, "every frame");
    const head = received.indexOf("\r\n\r\n");
    expect(received.subarray(0, head).toString("latin1")).toMatch(/transfer-encoding: chunked/i);
    // Walk the chunks by their declared sizes: each must end exactly at a CRLF, and together they hold the frames.
    let at = head + 4;
    let body = "";
    while (at < received.length) {
      const line = received.indexOf("\r\n", at);
      const size = Number.parseInt(received.subarray(at, line).toString("latin1"), 16);
      const start = line + 2;
      expect(received.subarray(start + size, start + size + 2).toString("latin1")).toBe("\r\n");
      body += received.subarray(start, start + size).toString("utf8");
      at = start + size + 2;
    }
    const frames = body.split("\n\n").filter(Boolean);
    expect(frames.map((frame) => frame.split("\n")[0])).toEqual(Array.from({ length: 2 * texts.length }, (_, i) => `id: ${i + 1}`));
    expect(frames.map((frame) => (JSON.parse(frame.split("\n")[1]!.slice("data: ".length)) as { payload: { text: string } }).payload.text)).toEqual([
      ...texts,
      ...texts,
    ]);
    socket.destroy();
  });
});

describe("live fan-out on SQLite's group commit", () => {
  it("hands a committed event to the live readers before the append is answered", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tributary-live-order-"));
    const sqlite = await startTestServer({ store: createSqliteStore({ dataDir }), circuitBreaker: false });
    try {
      const delivered: number[] = [];
      const unsubscribe = sqlite.parts.hub.subscribe(defaultProject, "/fanout/order", {
        deliver: (run: EncodedRun) => delivered.push(run.last),
        heartbeat: () => {},
        close: () => {},
      });
      const reader = openReader(`${sqlite.url}/api/streams/fanout/order?live=true`);
      await waitFor(() => sqlite.parts.hub.readerCount() === 2, "the HTTP reader to be registered");
      for (let i = 1; i <= 5; i++) {
        const response = await appendJson(sqlite.url, "/fanout/order", { type: "n", payload: { i } });
        const { offset } = (await response.json()) as { offset: number };
        // Answered means already written to every live reader (no turn of the event loop in between).
        expect(delivered.at(-1)).toBe(offset);
      }
      await waitFor(() => reader.events().length === 5, "the HTTP reader to get all five");
      expect(reader.events().map((e) => e.offset)).toEqual([1, 2, 3, 4, 5]);
      reader.close();
      unsubscribe();
    } finally {
      await sqlite.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("writes a stream with more readers than taskReadersAtMost on the next turn, after the answers, in order", async () => {
    const hub = createLiveHub({ heartbeatMs: 60_000, gather: "task", taskReadersAtMost: 1 });
    const seen = { few: [] as number[], many: [] as number[] };
    const reader = (into: number[]): LiveSubscriber => ({ deliver: (run) => into.push(...[run.first, run.last]), heartbeat: () => {}, close: () => {} });
    hub.subscribe(defaultProject, "/few", reader(seen.few));
    hub.subscribe(defaultProject, "/many", reader(seen.many));
    const second = hub.subscribe(defaultProject, "/many", reader([]));
    const committed = (path: string, offset: number) => ({
      project: defaultProject,
      path,
      events: [{ event: { offset, type: "n" }, json: `{"offset":${offset}}` }],
    });
    hub.publish(committed("/few", 1) as never);
    hub.publish(committed("/many", 1) as never);
    // The commit's own microtasks (where the appends are answered) run: the small stream is written there.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(seen.few).toEqual([1, 1]);
    expect(seen.many).toEqual([]);
    // Down to one reader while its first run waits: the next commit waits behind it, not ahead of it.
    second();
    hub.publish(committed("/many", 2) as never);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(seen.many).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen.many).toEqual([1, 2]);
    hub.close();
  });

  it("delivers every event in order to more HTTP readers than are written before the answer", async () => {
    const readers = Array.from({ length: defaultTaskReadersAtMost + 8 }, () => openReader(`${server.url}/api/streams/fanout/many?live=true`));
    await waitFor(() => server.parts.hub.readerCount() >= readers.length, "every reader to be registered");
    const offsets: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const response = await appendJson(server.url, "/fanout/many", { type: "n", payload: { i } });
      offsets.push(((await response.json()) as { offset: number }).offset);
    }
    await waitFor(() => readers.every((reader) => reader.events().length === 20), "every reader to get all twenty");
    for (const reader of readers) expect(reader.events().map((event) => event.offset)).toEqual(offsets);
    for (const reader of readers) reader.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, openReader, readEvents, waitFor } from "./support/http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { heartbeatMs: 100 }, circuitBreaker: false });
  for (let i = 1; i <= 5; i++) await appendJson(server.url, "/read/five", { type: "n", payload: { i } });
});
afterAll(async () => {
  await server.close();
});

describe("reading a stream", () => {
  it("serves SSE by default: id is the offset, data is the event, and the response ends", async () => {
    const response = await fetch(`${server.url}/api/streams/read/five`);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    const blocks = text.trim().split("\n\n");
    expect(blocks).toHaveLength(5);
    blocks.forEach((block, index) => {
      const [id, data] = block.split("\n");
      expect(id).toBe(`id: ${index + 1}`);
      expect(JSON.parse(data!.slice("data: ".length))).toMatchObject({ type: "n", offset: index + 1, payload: { i: index + 1 } });
    });
  });

  it("bounds the range with exclusive afterOffset and beforeOffset, including start and end", async () => {
    const offsets = async (query: string) => (await readEvents(server.url, "/read/five", query)).map((e) => e.offset);
    expect(await offsets("&afterOffset=2")).toEqual([3, 4, 5]);
    expect(await offsets("&beforeOffset=3")).toEqual([1, 2]);
    expect(await offsets("&afterOffset=1&beforeOffset=4")).toEqual([2, 3]);
    expect(await offsets("&afterOffset=start")).toEqual([1, 2, 3, 4, 5]);
    expect(await offsets("&afterOffset=end")).toEqual([]);
    expect(await offsets("&beforeOffset=end")).toEqual([1, 2, 3, 4, 5]);
    expect(await offsets("&beforeOffset=start")).toEqual([]);
  });

  it("pages JSON reads with a next cursor", async () => {
    const first = await (await fetch(`${server.url}/api/streams/read/five?format=json&limit=2`)).json();
    expect(first.events.map((e: { offset: number }) => e.offset)).toEqual([1, 2]);
    expect(first).toMatchObject({ hasMore: true, nextAfterOffset: 2, lastOffset: 5 });
    const last = await (await fetch(`${server.url}/api/streams/read/five?format=json&limit=2&afterOffset=4`)).json();
    expect(last).toMatchObject({ hasMore: false, nextAfterOffset: 5 });
  });

  it("sends a 10,000-event JSON page whole and in order, bounded by its range, with the protective headers", async () => {
    // The server sends a large page in pieces as it reads them (read/json-page-body.ts).
    for (let batch = 0; batch < 11; batch++) {
      const events = Array.from({ length: 1000 }, (_, i) => ({ type: "n", payload: { i: batch * 1000 + i, text: "é" } }));
      expect((await appendJson(server.url, "/read/large", { events })).status).toBe(201);
    }
    const page = async (query: string) => {
      const response = await fetch(`${server.url}/api/streams/read/large?format=json${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      const body = (await response.json()) as { events: { offset: number }[]; nextAfterOffset: number; hasMore: boolean; lastOffset: number };
      return { offsets: body.events.map((event) => event.offset), nextAfterOffset: body.nextAfterOffset, hasMore: body.hasMore, lastOffset: body.lastOffset };
    };
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(await page("&limit=10000")).toEqual({ offsets: range(1, 10_000), nextAfterOffset: 10_000, hasMore: true, lastOffset: 11_000 });
    expect(await page("&limit=10000&afterOffset=10000")).toEqual({
      offsets: range(10_001, 11_000),
      nextAfterOffset: 11_000,
      hasMore: false,
      lastOffset: 11_000,
    });
    expect(await page("&limit=2500&afterOffset=999&beforeOffset=3001")).toEqual({
      offsets: range(1000, 3000),
      nextAfterOffset: 3000,
      hasMore: false,
      lastOffset: 11_000,
    });
    expect(await page("&limit=1500&afterOffset=999&beforeOffset=3001")).toEqual({
      offsets: range(1000, 2499),
      nextAfterOffset: 2499,
      hasMore: true,
      lastOffset: 11_000,
    });
    expect(await page("&limit=1000&afterOffset=10000")).toEqual({
      offsets: range(10_001, 11_000),
      nextAfterOffset: 11_000,
      hasMore: false,
      lastOffset: 11_000,
    });
    expect(await page("&limit=10000&afterOffset=end")).toEqual({ offsets: [], nextAfterOffset: 11_000, hasMore: false, lastOffset: 11_000 });
    // Pages go up to 100,000 events: the whole stream in one, and a cut inside the eleventh piece.
    expect(await page("&limit=100000")).toEqual({ offsets: range(1, 11_000), nextAfterOffset: 11_000, hasMore: false, lastOffset: 11_000 });
    expect(await page("&limit=10500&afterOffset=1")).toEqual({ offsets: range(2, 10_501), nextAfterOffset: 10_501, hasMore: true, lastOffset: 11_000 });
    expect((await fetch(`${server.url}/api/streams/read/large?format=json&limit=100001`)).status).toBe(400);
    // A filtered page is built in memory and holds at most 10,000; the next page continues after it.
    expect(await page("&limit=100000&types=n")).toEqual({ offsets: range(1, 10_000), nextAfterOffset: 10_000, hasMore: true, lastOffset: 11_000 });
    // A page read in one piece goes out whole, with its length; a larger one as it is read.
    const small = await fetch(`${server.url}/api/streams/read/large?format=json&limit=1000`);
    expect(Number(small.headers.get("content-length"))).toBe((await small.arrayBuffer()).byteLength);
    const large = await fetch(`${server.url}/api/streams/read/large?format=json&limit=10000`);
    expect(large.headers.get("content-length")).toBeNull();
    await large.arrayBuffer();
  });

  it("answers Accept: application/json with a JSON page and Accept: application/x-ndjson with lines", async () => {
    const json = await fetch(`${server.url}/api/streams/read/five`, { headers: { accept: "application/json" } });
    expect((await json.json()).events).toHaveLength(5);
    const ndjson = await fetch(`${server.url}/api/streams/read/five`, { headers: { accept: "application/x-ndjson" } });
    const lines = (await ndjson.text()).trim().split("\n");
    expect(lines.map((line) => JSON.parse(line).offset)).toEqual([1, 2, 3, 4, 5]);
  });

  it("returns nothing, not an error, for a stream that does not exist yet", async () => {
    expect(await readEvents(server.url, "/read/nothing-here")).toEqual([]);
    const sse = await fetch(`${server.url}/api/streams/read/nothing-here`);
    expect(sse.status).toBe(200);
    expect(await sse.text()).toBe("");
  });
});

describe("live tails", () => {
  it("sends the backlog, then each new event as it is committed", async () => {
    const reader = openReader(`${server.url}/api/streams/read/live?live=true`);
    await appendJson(server.url, "/read/live", { type: "before" });
    await waitFor(() => reader.events().length === 1, "the first event");
    await appendJson(server.url, "/read/live", { type: "after" });
    await waitFor(() => reader.events().length === 2, "the live event");
    expect(reader.events().map((e) => [e.type, e.offset])).toEqual([
      ["before", 1],
      ["after", 2],
    ]);
    reader.close();
  });

  it("keeps an idle connection alive with heartbeat comments that carry no data", async () => {
    const reader = openReader(`${server.url}/api/streams/read/idle?live=true`);
    await waitFor(() => reader.frames.some((frame) => frame.comment === "heartbeat"), "a heartbeat");
    expect(reader.events()).toEqual([]);
    reader.close();
  });

  it("resumes after Last-Event-ID", async () => {
    const reader = openReader(`${server.url}/api/streams/read/five?live=true`, { headers: { "last-event-id": "3" } });
    await waitFor(() => reader.events().length === 2, "events after 3");
    expect(reader.events().map((e) => e.offset)).toEqual([4, 5]);
    reader.close();
  });

  it("starts at the end with afterOffset=end and shows only new events", async () => {
    const reader = openReader(`${server.url}/api/streams/read/five?live=true&afterOffset=end`);
    await waitFor(() => reader.status() === 200, "the response");
    await appendJson(server.url, "/read/five", { type: "n", payload: { i: 6 } });
    await waitFor(() => reader.events().length === 1, "the new event");
    expect(reader.events()[0]).toMatchObject({ offset: 6 });
    reader.close();
  });

  it("streams live NDJSON", async () => {
    const reader = openReader(`${server.url}/api/streams/read/nd?live=true&format=ndjson`);
    await appendJson(server.url, "/read/nd", { type: "x" });
    await waitFor(() => reader.raw().includes('"type":"x"'), "the NDJSON line");
    expect(JSON.parse(reader.raw().trim())).toMatchObject({ type: "x", offset: 1 });
    reader.close();
  });

  it("delivers every event exactly once, in order, to many readers during a burst of concurrent appends", async () => {
    const readers = Array.from({ length: 20 }, () => openReader(`${server.url}/api/streams/read/burst?live=true`));
    await appendJson(server.url, "/read/burst", { type: "start" });
    await waitFor(() => readers.every((reader) => reader.events().length === 1), "every reader connected");
    await Promise.all(Array.from({ length: 200 }, (_, i) => appendJson(server.url, "/read/burst", { type: "n", payload: { i } })));
    await waitFor(() => readers.every((reader) => reader.events().length === 201), "every event at every reader");
    for (const reader of readers) {
      expect(reader.events().map((e) => e.offset)).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
      reader.close();
    }
  });

  it("ends a live tail at beforeOffset", async () => {
    const reader = openReader(`${server.url}/api/streams/read/bounded?live=true&beforeOffset=3`);
    await appendJson(server.url, "/read/bounded", { type: "a" });
    await appendJson(server.url, "/read/bounded", { type: "b" });
    await waitFor(() => reader.ended(), "the response to end");
    expect(reader.events().map((e) => e.offset)).toEqual([1, 2]);
  });
});

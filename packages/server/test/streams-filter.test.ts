import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, openReader, readEvents, waitFor } from "./support/http.ts";

let server: TestServer;
const path = "/filter/mixed";
// Small windows, so a short stream already spans several (the default is 10,000 offsets).
const filterScanWindow = 200;

beforeAll(async () => {
  server = await startTestServer({ limits: { heartbeatMs: 100, filterScanWindow }, circuitBreaker: false });
  const events = [];
  for (let i = 1; i <= 30; i++) {
    events.push(i % 3 === 0 ? { type: "agent-input-added", payload: { content: `question ${i}` } } : { type: i % 3 === 1 ? "tick" : "tock", payload: { i } });
  }
  await appendJson(server.url, path, { events });
});
afterAll(async () => {
  await server.close();
});

const offsets = async (query: string) => (await readEvents(server.url, path, query)).map((event) => event.offset);

describe("filtering reads with types= and q=", () => {
  it("keeps exact types and type prefixes, and combines them with the offset bounds", async () => {
    expect(await offsets("&types=tick")).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
    expect(await offsets("&types=agent-*&afterOffset=20")).toEqual([21, 24, 27, 30]);
    expect(await offsets("&types=tock,agent-*&afterOffset=3&beforeOffset=9")).toEqual([5, 6, 8]);
    expect(await offsets("&types=nothing-like-it")).toEqual([]);
  });

  it("finds a substring of the event JSON, ASCII letters regardless of case, together with types", async () => {
    expect(await offsets("&q=QUESTION%2012")).toEqual([12]);
    expect(await offsets(`&q=${encodeURIComponent('"i":1')}`)).toEqual([1, 10, 11, 13, 14, 16, 17, 19]);
    expect(await offsets(`&q=${encodeURIComponent('"i":1')}&types=tock`)).toEqual([11, 14, 17]);
  });

  it("pages filtered JSON reads: nextAfterOffset continues after the last event examined", async () => {
    const page = await (await fetch(`${server.url}/api/streams${path}?format=json&types=agent-*&limit=3`)).json();
    expect(page.events.map((event: { offset: number }) => event.offset)).toEqual([3, 6, 9]);
    expect(page).toMatchObject({ nextAfterOffset: 9, hasMore: true, lastOffset: 30 });
    const rest = await (await fetch(`${server.url}/api/streams${path}?format=json&types=agent-*&afterOffset=27`)).json();
    expect(rest).toMatchObject({ nextAfterOffset: 30, hasMore: false });
    const none = await (await fetch(`${server.url}/api/streams${path}?format=json&q=not-there`)).json();
    expect(none).toMatchObject({ events: [], nextAfterOffset: 30, hasMore: false });
  });

  it("filters SSE and NDJSON reads, keeping each event's own offset as the SSE id", async () => {
    const sse = await (await fetch(`${server.url}/api/streams${path}?types=agent-*&beforeOffset=10`)).text();
    expect(
      sse
        .trim()
        .split("\n\n")
        .map((block) => block.split("\n")[0]),
    ).toEqual(["id: 3", "id: 6", "id: 9"]);
    const ndjson = await (await fetch(`${server.url}/api/streams${path}?format=ndjson&q=question%203`)).text();
    expect(
      ndjson
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).offset),
    ).toEqual([3, 30]);
  });

  it("filters live reads: only matching new events arrive, and Last-Event-ID resumes after a match", async () => {
    const reader = openReader(`${server.url}/api/streams/filter/live?live=true&types=wanted,agent-*&q=yes`);
    const liveOffsets = () => reader.events().map((event) => event.offset);
    await appendJson(server.url, "/filter/live", {
      events: [
        { type: "wanted", payload: { ok: "yes" } },
        { type: "other", payload: { ok: "yes" } },
        { type: "wanted", payload: { ok: "no" } },
      ],
    });
    await appendJson(server.url, "/filter/live", { type: "agent-input-added", payload: { content: "YES please" } });
    await appendJson(server.url, "/filter/live", { type: "unwanted", payload: {} });
    await appendJson(server.url, "/filter/live", { type: "wanted", payload: { last: "yes" } });
    await waitFor(() => liveOffsets().length >= 3, "three matching live events");
    expect(liveOffsets()).toEqual([1, 4, 6]);
    reader.close();

    const resumed = openReader(`${server.url}/api/streams/filter/live?live=true&types=wanted`, { headers: { "last-event-id": "1" } });
    await waitFor(() => resumed.events().length >= 2, "the resumed matches");
    expect(resumed.events().map((event) => event.offset)).toEqual([3, 6]);
    resumed.close();
  });

  it("scans past many windows of non-matching events to a rare match; a JSON page stops after ten windows and says where to go on", async () => {
    const total = 2500;
    for (let start = 0; start < total; start += 1000) {
      const events = Array.from({ length: Math.min(1000, total - start) }, (_, k) => ({ type: "filler", payload: { n: start + k + 1 } }));
      await appendJson(server.url, "/filter/rare", { events });
    }
    await appendJson(server.url, "/filter/rare", { type: "needle", payload: {} });
    const first = await (await fetch(`${server.url}/api/streams/filter/rare?format=json&types=needle`)).json();
    expect(first).toMatchObject({ events: [], nextAfterOffset: 10 * filterScanWindow, hasMore: true });
    const second = await (await fetch(`${server.url}/api/streams/filter/rare?format=json&types=needle&afterOffset=${first.nextAfterOffset}`)).json();
    expect(second.events.map((event: { offset: number }) => event.offset)).toEqual([total + 1]);
    expect(second).toMatchObject({ nextAfterOffset: total + 1, hasMore: false });
    const sse = await (await fetch(`${server.url}/api/streams/filter/rare?q=needle`)).text();
    expect(sse).toBe(`id: ${total + 1}\ndata: ${JSON.stringify(second.events[0])}\n\n`);
  });

  it("refuses a malformed filter with invalid_query and says what to fix", async () => {
    for (const query of ["types=a,,b", "types=*a", "types=a%20b", `q=${"x".repeat(1001)}`]) {
      const response = await fetch(`${server.url}/api/streams${path}?${query}`);
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.code).toBe("invalid_query");
      expect(body.message).toMatch(/types|q is/);
    }
  });
});

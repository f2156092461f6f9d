import { appendBodySchema, sseFrame } from "@tributary/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";

// The wire contract lives in @tributary/protocol; these tests hold the server to it.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const bodies: [string, unknown][] = [
  ["a bare event", { type: "note", payload: { n: 1 } }],
  ["an event in `event`", { event: { type: "note" } }],
  ["a batch", { events: [{ type: "a" }, { type: "b", idempotencyKey: "k" }] }],
  ["an empty batch", { events: [] }],
  ["a batch with another field", { events: [{ type: "a" }], also: 1 }],
  ["`event` with another field", { event: { type: "a" }, also: 1 }],
  ["`event` that is not an event", { event: {} }],
  ["an event with an unknown field", { type: "a", colour: "red" }],
  ["an empty type", { type: "" }],
  ["a payload that is an array", { type: "a", payload: [1] }],
  ["a batch item without a type", { events: [{ type: "a" }, { payload: {} }] }],
  ["an array", [{ type: "a" }]],
  ["a string", "hello"],
  ["an object without a type", { hello: "world" }],
];

describe("the append body contract", () => {
  it.each(bodies)("a strict append of %s succeeds exactly when appendBodySchema accepts it", async (name, body) => {
    const path = `/wire/${name.replace(/[^a-z]+/gi, "-")}`;
    const response = await fetch(`${server.url}/api/streams${path}?strict=true`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const accepted = appendBodySchema.safeParse(body).success;
    expect({ status: response.status, accepted }).toEqual({ status: accepted ? 201 : 400, accepted });
  });
});

describe("the read frame contract", () => {
  it("serves each event as protocol's SSE frame, from the store and live", async () => {
    const path = "/wire/frames";
    for (const n of [1, 2]) {
      await fetch(`${server.url}/api/streams${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "n", payload: { n } }),
      });
    }
    const page = (await (await fetch(`${server.url}/api/streams${path}?format=json`)).json()) as { events: { offset: number }[] };
    const stored = await (await fetch(`${server.url}/api/streams${path}`, { headers: { accept: "text/event-stream" } })).text();
    expect(stored).toBe(page.events.map((event) => sseFrame(event.offset, JSON.stringify(event))).join(""));

    // Live: the frame of an event appended while the reader waits.
    const controller = new AbortController();
    const live = await fetch(`${server.url}/api/streams${path}?live=true&afterOffset=2`, { signal: controller.signal });
    const reader = live.body!.getReader();
    const appended = await (
      await fetch(`${server.url}/api/streams${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "n", payload: { n: 3 } }),
      })
    ).json();
    let text = "";
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      text = text.replace(/^: [^\n]*\n\n/gm, "");
    }
    controller.abort();
    expect(text).toBe(sseFrame(3, JSON.stringify(appended)));
  });
});

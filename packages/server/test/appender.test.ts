import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { readEvents } from "./support/http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ circuitBreaker: false });
});
afterAll(async () => {
  await server.close();
});

describe("the appender", () => {
  it("gates appends that arrive together against the ones still in flight: a pause refuses the next", async () => {
    const { appender } = server.parts;
    const results = await Promise.allSettled([
      appender.appendAsClient("default", "/appender/burst", [{ type: "before", payload: {} }]),
      appender.appendAsClient("default", "/appender/burst", [{ type: "stream/paused", payload: { reason: "burst" } }]),
      appender.appendAsClient("default", "/appender/burst", [{ type: "after", payload: {} }]),
      appender.appendAsClient("default", "/appender/burst", [{ type: "stream/resumed", payload: { reason: "ok" } }]),
      appender.appendAsClient("default", "/appender/burst", [{ type: "again", payload: {} }]),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: "stream_paused" });
    expect((await readEvents(server.url, "/appender/burst")).map((event) => event.type)).toEqual(["before", "stream/paused", "stream/resumed", "again"]);
  });

  it("keeps offsets dense and in arrival order for a burst on one stream", async () => {
    const { appender } = server.parts;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => appender.appendAsClient("default", "/appender/order", [{ type: "n", payload: { i } }])),
    );
    expect(results.map((result) => result.events[0]!.event.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("falls back to the committed state when an append in flight fails", async () => {
    const { appender } = server.parts;
    const results = await Promise.allSettled([
      appender.appendAsClient("default", "/appender/fail", [{ type: "stream/paused", payload: { reason: "never stored" }, offset: 42 }]),
      appender.appendAsClient("default", "/appender/fail", [{ type: "fine", payload: {} }]),
    ]);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: "offset_conflict" });
    // The failed pause was gated first, so the second append was judged while it was in flight; once it
    // failed, the stream is not paused.
    const third = await appender.appendAsClient("default", "/appender/fail", [{ type: "later", payload: {} }]);
    expect(third.events[0]!.event.type).toBe("later");
    expect((await readEvents(server.url, "/appender/fail")).map((event) => event.type)).not.toContain("stream/paused");
  });
});

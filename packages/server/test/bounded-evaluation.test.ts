import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";

let server: TestServer;
beforeAll(async () => {
  // No default breaker: the unrelated client below appends as fast as it can.
  server = await startTestServer({ circuitBreaker: false });
});
afterAll(() => server.close());

const catastrophic = `${"a".repeat(27)}!`;

describe("expressions from events run off the event loop with a hard limit", () => {
  it("a catastrophic regex and a runaway recursion leave another client's appends flowing, and are stopped with an error event", async () => {
    const path = "/evil/expressions";
    await appendJson(server.url, path, {
      type: "transformer/configured",
      payload: { slug: "regex", matcher: "$contains(payload.text, /^(a+)+$/)", transform: "{'type': 'matched'}" },
    });
    await appendJson(server.url, path, {
      type: "transformer/configured",
      payload: {
        slug: "recursion",
        matcher: "type = 'bait'",
        transform: "($f := function($n) { $n = 0 ? 0 : $f($n - 1) + $f($n - 1) }; {'type': 'sum', 'payload': {'v': $f(40)}})",
      },
    });
    await appendJson(server.url, path, {
      type: "subscription/configured",
      payload: { slug: "hook", url: "http://127.0.0.1:9/", filter: "$contains(payload.text, /^(a+)+$/)" },
    });
    for (let i = 0; i < 3; i++) await appendJson(server.url, path, { type: "bait", payload: { text: catastrophic } });
    // Other requests are answered while the expressions run: another client's appends, and the next event
    // of this stream, which is stored before any of the expressions is stopped (each takes seconds and is
    // stopped at its limit). Evaluated on the event loop, nothing would be answered until they had ended,
    // and their errors would come first.
    for (let i = 0; i < 20; i++) expect((await appendJson(server.url, "/unrelated/client", { type: "tick" })).status).toBe(201);
    const next = (await (await appendJson(server.url, path, { type: "tick" })).json()) as StoredEvent;
    const errors = await waitFor(
      async () => {
        const list = (await readEvents(server.url, path)).filter((event) => event.type === "stream/error-occurred");
        const slugs = new Set(list.map((event) => event.payload.slug ?? event.payload.processor));
        return slugs.has("regex") && slugs.has("recursion") && slugs.has("hook") ? list : undefined;
      },
      "an error event from each expression",
      60_000,
    );
    expect(errors.some((event) => /stopped|timeout|time/i.test(String(event.payload.message)))).toBe(true);
    expect(next.offset).toBeLessThan(Math.min(...errors.map((event) => event.offset)));
    // The stream goes on: a harmless event is still transformed-free and stored.
    expect((await appendJson(server.url, path, { type: "fine", payload: { text: "aaa" } })).status).toBe(201);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { createFakeClock, runReactor, stateOf } from "./builtins-support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("pause and resume", () => {
  it("refuses appends to a paused stream with the reason, stores nothing, and accepts the resume", async () => {
    expect((await appendJson(server.url, "/pause/a", { type: "stream/paused", payload: { reason: "maintenance window" } })).status).toBe(201);
    const refused = await appendJson(server.url, "/pause/a", { type: "hello" });
    expect(refused.status).toBe(423);
    const body = await refused.json();
    expect(body).toMatchObject({ code: "stream_paused", reason: "maintenance window", pausedAtOffset: 1 });
    expect(body.message).toContain("maintenance window");
    const batch = await appendJson(server.url, "/pause/a", { events: [{ type: "a" }, { type: "b" }] });
    expect(batch.status).toBe(423);
    expect((await stateOf(server.url, "/pause/a")).pause).toMatchObject({ reason: "maintenance window", offset: 1 });

    expect((await appendJson(server.url, "/pause/a", { type: "stream/resumed", payload: { reason: "done" } })).status).toBe(201);
    expect((await appendJson(server.url, "/pause/a", { type: "hello" })).status).toBe(201);
    expect((await readEvents(server.url, "/pause/a")).map((event) => event.type)).toEqual(["stream/paused", "stream/resumed", "hello"]);
    expect((await stateOf(server.url, "/pause/a")).pause).toBeNull();
  });

  it("refuses a batch that pauses a stream and then appends to it, because the gate judges each event in order", async () => {
    const response = await appendJson(server.url, "/pause/batch", {
      events: [{ type: "stream/paused", payload: { reason: "stop" } }, { type: "after" }],
    });
    expect(response.status).toBe(423);
    expect(await readEvents(server.url, "/pause/batch")).toEqual([]);
  });
});

describe("the circuit breaker", () => {
  it("pauses a stream at the 101st event within a second, by default", async () => {
    const path = "/breaker/burst";
    const burst = Array.from({ length: 101 }, (_, i) => ({ type: "tick", payload: { i } }));
    expect((await appendJson(server.url, path, { events: burst })).status).toBe(201);
    const pause = await waitFor(async () => (await readEvents(server.url, path)).find((event) => event.type === "stream/paused"), "the pause");
    expect(pause).toMatchObject({ offset: 102, payload: { by: "circuit-breaker" } });
    expect(String(pause.payload.reason)).toMatch(/^circuit-breaker: more than 100 events within 1 s/);
  });

  it("lets exactly the limit through: more than maxEvents trips it, maxEvents does not", async () => {
    const path = "/breaker/hundred";
    // A long window, so the count cannot decay while the test looks at it; the configuration counts too.
    await appendJson(server.url, path, { type: "circuit-breaker/configured", payload: { maxEvents: 100, windowSeconds: 3600 } });
    await appendJson(server.url, path, { events: Array.from({ length: 99 }, (_, i) => ({ type: "tick", payload: { i } })) });
    await waitFor(async () => (await stateOf(server.url, path))["circuit-breaker"].recentEvents === 100, "the breaker to count 100 events");
    expect((await stateOf(server.url, path)).pause).toBeNull();
    expect((await appendJson(server.url, path, { type: "one-too-many" })).status).toBe(201);
    await waitFor(async () => (await stateOf(server.url, path)).pause?.reason?.startsWith("circuit-breaker: more than 100 events within 3600 s"), "the pause");
  });

  it("stops two processors that ping-pong forever within a second, and names itself in the reason", async () => {
    // The server's clock moves 1 ms per reading, so the loop runs at a few hundred events per second of
    // server time however busy the test machine is (on an idle machine real time gives the same result).
    const clock = createFakeClock(Date.now(), 1);
    const loopServer = await startTestServer({ now: clock.now });
    const path = "/breaker/ping-pong";
    const pinger = runReactor(loopServer.url, path, (event) => (event.type === "pong" ? { type: "ping", payload: { after: event.offset } } : undefined));
    const ponger = runReactor(loopServer.url, path, (event) => (event.type === "ping" ? { type: "pong", payload: { after: event.offset } } : undefined));
    try {
      // Both processors are live once they have seen a probe; then serve the first ball.
      await appendJson(loopServer.url, path, { type: "probe" });
      await waitFor(() => pinger.seen.length > 0 && ponger.seen.length > 0, "both processors to tail the stream");
      const start = clock.now();
      await appendJson(loopServer.url, path, { type: "ping" });

      // The loop ends when the processor whose turn it is gets a refusal; the other just waits for a ball.
      await waitFor(() => pinger.refusals.length + ponger.refusals.length > 0, "the loop to be refused", 30_000);
      const stoppedAt = clock.now();
      pinger.stop();
      ponger.stop();
      await Promise.all([pinger.done, ponger.done]);
      expect([...pinger.errors, ...ponger.errors]).toEqual([]);
      const events = await readEvents(loopServer.url, path);
      const pause = events.find((event) => event.type === "stream/paused")!;
      expect(pause.payload).toMatchObject({ by: "circuit-breaker" });
      expect(String(pause.payload.reason)).toMatch(/^circuit-breaker: more than 100 events within 1 s/);
      expect(stoppedAt - start).toBeLessThan(1000);
      // It tripped at the 101st event of the loop (offsets 2 onwards), not later.
      expect(pause.offset).toBeLessThanOrEqual(2 + 101 + 2);
      // The refusal names the reason; at most the append in flight landed after the pause.
      const [refusal] = [...pinger.refusals, ...ponger.refusals];
      expect(refusal).toMatchObject({ status: 423, body: { code: "stream_paused", reason: pause.payload.reason, pausedBy: "circuit-breaker" } });
      expect((await stateOf(loopServer.url, path)).pause).toMatchObject({ by: "circuit-breaker", offset: pause.offset });
      expect(events.length - pause.offset).toBeLessThanOrEqual(2);
      expect(pinger.appended() + ponger.appended()).toBe(events.length - 3);
    } finally {
      pinger.stop();
      ponger.stop();
      await loopServer.close();
    }
  });

  it("is configured per stream by an event and shows its limit in the state", async () => {
    const path = "/breaker/custom";
    expect((await appendJson(server.url, path, { type: "circuit-breaker/configured", payload: { maxEvents: 5, windowSeconds: 60 } })).status).toBe(201);
    const state = await stateOf(server.url, path);
    expect(state["circuit-breaker"]).toMatchObject({ maxEvents: 5, windowSeconds: 60, source: "stream", configuredAtOffset: 1 });
    // A config event does not count against the new limit only by accident: five more events are fine, the sixth trips.
    for (let i = 0; i < 6; i++) await appendJson(server.url, path, { type: "tick", payload: { i } });
    await waitFor(async () => (await readEvents(server.url, path)).some((event) => event.type === "stream/paused"), "the breaker to trip");
    const refused = await appendJson(server.url, path, { type: "tick" });
    expect(refused.status).toBe(423);
    expect((await refused.json()).reason).toContain("more than 5 events within 60 s");
  });

  it("starts counting afresh after a resume, so the resume does not trip it again at once", async () => {
    const path = "/breaker/resume";
    await appendJson(server.url, path, { type: "circuit-breaker/configured", payload: { maxEvents: 3, windowSeconds: 60 } });
    for (let i = 0; i < 4; i++) await appendJson(server.url, path, { type: "tick" });
    await waitFor(async () => (await stateOf(server.url, path)).pause !== null, "the pause");
    expect((await appendJson(server.url, path, { type: "stream/resumed", payload: { reason: "fixed" } })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await appendJson(server.url, path, { type: "tick" })).status).toBe(201);
    expect((await stateOf(server.url, path)).pause).toBeNull();
  });

  it("does not pause an ancestor when many streams are created below it at once", async () => {
    // A long window, so the count cannot decay while the test looks at it.
    await appendJson(server.url, "/burst-parent", { type: "circuit-breaker/configured", payload: { maxEvents: 100, windowSeconds: 3600 } });
    await Promise.all(Array.from({ length: 150 }, (_, i) => appendJson(server.url, `/burst-parent/child-${i}`, { type: "born" })));
    expect((await appendJson(server.url, "/burst-parent", { type: "still-open" })).status).toBe(201);
    // The breaker handles a stream's events in order: once it counted the last one, it has seen the burst.
    await waitFor(async () => (await stateOf(server.url, "/burst-parent"))["circuit-breaker"].recentEvents === 2, "the breaker to count the two own events");
    const parent = await readEvents(server.url, "/burst-parent");
    expect(parent.filter((event) => event.type === "stream/child-created")).toHaveLength(150);
    expect(parent.some((event) => event.type === "stream/paused")).toBe(false);
    expect((await stateOf(server.url, "/")).pause).toBeNull();
  });

  it("refuses a configuration that makes no sense, with a message that says what to fix", async () => {
    const response = await appendJson(server.url, "/breaker/bad", { type: "circuit-breaker/configured", payload: { maxEvents: 0, windowSeconds: 1 } });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toContain("maxEvents");
  });
});

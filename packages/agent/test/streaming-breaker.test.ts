import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient } from "@tributary/sdk";
import { ensureAgentBreaker } from "../src/streaming-breaker.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("the agent's circuit breaker", () => {
  it("raises the breaker of the agent's stream so a fast model's chunks do not pause it, once", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await ensureAgentBreaker(client, "/agents/fast");
    await ensureAgentBreaker(client, "/agents/fast");
    const state = await client.state("/agents/fast");
    expect(state["circuit-breaker"]).toMatchObject({ maxEvents: 10_000, windowSeconds: 1, source: "stream" });
    // 300 chunk-like events within a second pass.
    await client.appendBatch({ path: "/agents/fast", events: Array.from({ length: 300 }, (_, i) => ({ type: "chunk", payload: { i } })) });
    const after = await client.append({ path: "/agents/fast", event: { type: "still-open" } });
    expect(after.offset).toBeGreaterThan(300);
    const configs = (await fetch(`${server.url}/api/streams/agents/fast?format=json`).then((r) => r.json())).events.filter(
      (event: { type: string }) => event.type === "circuit-breaker/configured",
    );
    expect(configs).toHaveLength(1);
  });

  it("leaves a breaker the user configured alone", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/agents/careful", event: { type: "circuit-breaker/configured", payload: { maxEvents: 20, windowSeconds: 1 } } });
    await ensureAgentBreaker(client, "/agents/careful");
    expect((await client.state("/agents/careful"))["circuit-breaker"]).toMatchObject({ maxEvents: 20 });
  });
});

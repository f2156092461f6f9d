import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { startMockLlm, type MockLlm } from "../src/mock-llm/index.ts";
import { startAgent } from "../src/start-agent.ts";
import { pingPongScript as pingPong } from "./support/ping-pong-script.ts";
import { waitFor } from "./support/wait-for.ts";

let server: TestServer;
let llm: MockLlm;
beforeAll(async () => {
  server = await startTestServer();
  llm = await startMockLlm({
    script: [
      { match: "answer pings", toolCalls: [{ name: "deploy_processor", arguments: { path: "./pings", slug: "ping-pong", script: pingPong } }] },
      { match: { last: "is running on" }, text: "Deployed: pings on ./pings get a pong." },
      { match: "outside", toolCalls: [{ name: "deploy_processor", arguments: { path: "../elsewhere", slug: "escape", script: pingPong } }] },
      { match: { last: "you may deploy only" }, text: "I may not deploy there." },
    ],
  });
});
afterAll(async () => {
  await llm?.close();
  await server?.close();
});

const read = async (path: string): Promise<StoredEvent[]> => {
  const response = await fetch(`${server.url}/api/streams${path}?format=json&limit=10000`);
  return response.status === 404 ? [] : ((await response.json()) as { events: StoredEvent[] }).events;
};
const append = async (path: string, event: { type: string; payload?: Record<string, unknown> }): Promise<StoredEvent> =>
  (await (
    await fetch(`${server.url}/api/streams${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) })
  ).json()) as StoredEvent;
const runEnded = (path: string, input: StoredEvent) =>
  waitFor(
    async () => (await read(path)).find((event) => event.type === "agent-run-ended" && event.payload.inputOffset === input.offset),
    "the run's end",
    90_000,
  );

describe("an agent that extends itself", { timeout: 240_000 }, () => {
  it("deploys a ping-pong processor with deploy_processor, which then answers pings with the agent stopped", async () => {
    const path = "/agents/builder";
    const agent = await startAgent({
      baseUrl: server.url,
      path,
      deployTool: true,
      agent: { model: "mock-model", baseUrl: llm.baseUrl, api: "chat", apiKey: "sk-test", maxRetries: 0, systemPrompt: "You build processors." },
    });
    try {
      const input = await append(path, { type: "agent-input-added", payload: { content: "Deploy something that will answer pings" } });
      const ended = await runEnded(path, input);
      expect(ended.payload).toMatchObject({ outcome: "answered", text: "Deployed: pings on ./pings get a pong." });
      const completed = (await read(path)).find((event) => event.type === "agent-tool-call-completed");
      expect(JSON.stringify(completed?.payload)).toMatch(/ping-pong is running on \/agents\/builder\/pings/);

      const refused = await append(path, { type: "agent-input-added", payload: { content: "deploy outside your stream" } });
      expect((await runEnded(path, refused)).payload).toMatchObject({ text: "I may not deploy there." });
      expect(await read("/agents/elsewhere")).toEqual([]);
    } finally {
      await agent.stop();
    }
    // No agent is running now: the server answers by itself.
    const ping = await append(`${path}/pings`, { type: "ping" });
    await waitFor(async () => (await read(`${path}/pings`)).find((event) => event.type === "pong" && event.payload.to === ping.offset), "the pong", 90_000);
  });
});

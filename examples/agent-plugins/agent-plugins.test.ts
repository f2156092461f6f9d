import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient, type StoredEvent } from "tributary";
import { startAgent, startMockLlm, type MockLlm } from "tributary/agent";
import { spawnProcess, tributaryBin } from "../../packages/cli/test/support/cli-process.ts";
import { waitForEvent } from "../../packages/sdk/test/support/wait-for.ts";

let server: TestServer;
let llm: MockLlm;
beforeAll(async () => {
  server = await startTestServer();
  llm = await startMockLlm();
});
afterAll(async () => {
  await llm.close();
  await server.close();
});

describe("the agent plugin examples", () => {
  it("gives the agent a memory (context in each window) and a word_count tool, each from its own process", async () => {
    llm.load([
      { match: "remember", text: "Noted." },
      { match: "count", toolCalls: [{ name: "word_count", arguments: { text: "one two three" } }] },
      { text: "Three words, and your cat is Tom." },
    ]);
    const path = "/examples/agent";
    const memory = spawnProcess([tributaryBin, "run", "examples/agent-plugins/memory.ts", "--path", path, "--url", server.url]);
    const tool = spawnProcess([tributaryBin, "run", "examples/agent-plugins/word-count.ts", "--path", path, "--url", server.url]);
    await Promise.all([memory.waitForOutput(/is running on/), tool.waitForOutput(/is running on/)]);
    const agent = await startAgent({ baseUrl: server.url, path, agent: { model: "mock-model", baseUrl: llm.baseUrl, contextWindowMs: 1000, maxRetries: 0 } });
    const client = createEventsClient({ baseUrl: server.url });
    const ask = async (content: string): Promise<StoredEvent> => {
      const input = await client.append({ path, event: { type: "agent-input-added", payload: { content } } });
      return waitForEvent(server.url, path, (e) => e.type === "agent-run-ended" && e.payload.inputOffset === input.offset, `the answer to "${content}"`);
    };
    try {
      expect((await ask("remember that my cat is called Tom")).payload.text).toBe("Noted.");
      expect((await ask("count the words in 'one two three'")).payload.text).toBe("Three words, and your cat is Tom.");
      const [, toolRequest, answerRequest] = llm.requests;
      expect(JSON.stringify(toolRequest!.body.messages)).toContain("Things the user asked you to remember:\\n- my cat is called Tom");
      expect(toolRequest!.summary.tools).toContain("word_count");
      expect(answerRequest!.body.messages).toContainEqual(expect.objectContaining({ role: "tool", content: "3" }));
    } finally {
      await agent.stop();
      await Promise.all([memory.stop(), tool.stop()]);
    }
  });
});

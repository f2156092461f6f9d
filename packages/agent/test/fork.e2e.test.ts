import { afterEach, describe, expect, it } from "vitest";
import { createEventsClient } from "@tributary/sdk";
import { startAgent, type RunningAgent } from "../src/start-agent.ts";
import { requestTexts, startHarness, type Harness } from "./support/agent-harness.ts";

let harness: Harness | undefined;
let forkAgent: RunningAgent | undefined;
afterEach(async () => {
  await forkAgent?.stop();
  await harness?.close();
  forkAgent = undefined;
  harness = undefined;
});

describe("forking an agent's stream", () => {
  it("yields a stream whose first N events are the original's, where an agent answers a new input from that point's history", async () => {
    harness = await startHarness({
      api: "chat",
      script: [
        { match: "my name is Ada", text: "Hello Ada." },
        { match: "I like red", text: "Red it is." },
        { match: "what do I like", text: "You have not told me yet." },
      ],
    });
    const first = await harness.append({ type: "agent-input-added", payload: { content: "my name is Ada" } });
    const firstEnded = await harness.runEnded(first.offset);
    const second = await harness.append({ type: "agent-input-added", payload: { content: "I like red" } });
    await harness.runEnded(second.offset);

    const client = createEventsClient({ baseUrl: harness.url });
    const forkPath = `${harness.path}-retry`;
    const marker = await client.fork({ path: harness.path, atOffset: firstEnded.offset, to: forkPath });
    expect(marker).toMatchObject({ type: "stream/forked", offset: firstEnded.offset + 1, payload: { from: harness.path, atOffset: firstEnded.offset } });
    const original = await harness.read();
    const forked = await harness.read(forkPath);
    const strip = (events: typeof original) => events.map(({ streamPath: _path, ...rest }) => rest);
    expect(strip(forked.slice(0, firstEnded.offset))).toEqual(strip(original.slice(0, firstEnded.offset)));

    // Another agent process on the fork; the copied lease's heartbeat stands still, so it takes over after its ttl.
    forkAgent = await startAgent({
      baseUrl: harness.url,
      path: forkPath,
      lease: { ttlMs: 300 },
      agent: {
        model: "mock-model",
        baseUrl: harness.llm.baseUrl,
        api: "chat",
        apiKey: "sk-test",
        maxRetries: 0,
        contextWindowMs: 20,
        systemPrompt: "You are a test agent.",
      },
    });
    const question = await harness.append({ type: "agent-input-added", payload: { content: "what do I like?" } }, forkPath);
    const ended = await harness.runEnded(question.offset, forkPath);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "You have not told me yet." });
    const request = harness.llm.requests.at(-1)!;
    // The model saw the history up to the fork point, and nothing the original stream did after it.
    expect(requestTexts(request.body)).toEqual(["You are a test agent.", "my name is Ada", "Hello Ada.", "what do I like?"]);
    // The original went on untouched.
    expect((await harness.read()).length).toBe(original.length);
  });
});

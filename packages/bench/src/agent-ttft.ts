import OpenAI from "openai";
import { startAgent, startMockLlm } from "@tributary/agent";
import { createEventsClient } from "@tributary/sdk";
import type { StoredEvent } from "@tributary/protocol";

export interface TtftResult {
  bareMs: number[];
  agentMs: number[];
}

/**
 * Time to first token, twice against the same scripted model server (mock-llm, Chat Completions):
 * 1. bare: the `openai` SDK's streamed request, from the call to the first chunk with text;
 * 2. agent: appending `agent-input-added` to a stream the agent runs on (context window 0), until a live
 *    reader of the stream sees the first `agent-output-chunk-received` with text.
 * The difference of the medians is what the agent (events, processors, HTTP hops) adds.
 */
export async function measureAgentTtft(serverUrl: string, options: { samples: number }): Promise<TtftResult> {
  const llm = await startMockLlm();
  const path = `/bench/agent-ttft-${Date.now()}`;
  const client = createEventsClient({ baseUrl: serverUrl });
  const openai = new OpenAI({ baseURL: llm.baseUrl, apiKey: "bench" });
  const agent = await startAgent({ baseUrl: serverUrl, path, agent: { baseUrl: llm.baseUrl, apiKey: "bench", model: "mock-model", api: "chat", contextWindowMs: 0 } });
  const controller = new AbortController();
  const waiters = new Set<(event: StoredEvent) => void>();
  const reading = (async () => {
    for await (const event of client.stream({ path, live: true, afterOffset: "end", signal: controller.signal })) for (const waiter of waiters) waiter(event);
  })().catch(() => undefined);
  const next = (match: (event: StoredEvent) => boolean) =>
    new Promise<StoredEvent>((resolve) => {
      const waiter = (event: StoredEvent) => {
        if (!match(event)) return;
        waiters.delete(waiter);
        resolve(event);
      };
      waiters.add(waiter);
    });
  const result: TtftResult = { bareMs: [], agentMs: [] };
  try {
    for (let i = 0; i < options.samples + 3; i++) {
      const started = performance.now();
      const stream = await openai.chat.completions.create({ model: "mock-model", stream: true, messages: [{ role: "user", content: `hello ${i}` }] });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) break;
      }
      if (i >= 3) result.bareMs.push(performance.now() - started);
    }
    for (let i = 0; i < options.samples + 3; i++) {
      const firstChunk = next((event) => event.type === "agent-output-chunk-received" && Boolean(event.payload.text));
      const ended = next((event) => event.type === "agent-run-ended");
      const started = performance.now();
      await client.append({ path, event: { type: "agent-input-added", payload: { content: `hello ${i}` } } });
      await firstChunk;
      if (i >= 3) result.agentMs.push(performance.now() - started);
      await ended;
    }
  } finally {
    controller.abort();
    await reading;
    await agent.stop();
    await llm.close();
  }
  return result;
}

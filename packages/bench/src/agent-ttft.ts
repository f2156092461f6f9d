import OpenAI from "openai";
import { startAgent, startMockLlm } from "@tributary/agent";
import { createEventsClient } from "@tributary/sdk";
import type { StoredEvent } from "@tributary/protocol";

/**
 * Warm-up samples before the measured ones. The agent's path runs far more JavaScript than the bare call
 * (the SDK's runtime and client, the agent's reduce and plan, the reader), and a fresh process runs it
 * slower until V8 has compiled it: `probes/agent-ttft-warmup.ts` shows this process's CPU per agent
 * sample falling by about a quarter over the first 60 samples. As the other latency groups (150 warm-up
 * samples before the live round trips), the figure is the warm path's.
 */
export const defaultTtftWarmups = 60;

export interface TtftResult {
  bareMs: number[];
  agentMs: number[];
  /** This process's CPU time (the agent, mock-llm and the reader) per agent sample, to the first chunk. */
  agentCpuMs: number[];
  /** Chunk events a live reader saw per second while the model streamed a long answer as fast as it could. */
  chunksPerSecond: number;
  chunks: number;
}

/**
 * Time to first token, twice against the same scripted model server (mock-llm, Chat Completions),
 * alternating sample by sample:
 * 1. bare: the `openai` SDK's streamed request, from the call to the first chunk with text;
 * 2. agent: appending `agent-input-added` to a stream the agent runs on (context window 0), until a live
 *    reader of the stream sees the first `agent-output-chunk-received` with text.
 * The difference of the medians is what the agent (events, processors, HTTP hops) adds.
 * 3. chunk rate: one answer of `chunks` words streamed without delay; from the first to the last
 *    `agent-output-chunk-received` a live reader sees (each chunk one event, stored in batches).
 */
export async function measureAgentTtft(
  serverUrl: string,
  options: {
    samples: number;
    chunks?: number;
    /** Samples of both kinds before the measured ones (default `defaultTtftWarmups`). */
    warmups?: number;
    /** Another build of the agent (a probe's "before"). */
    agentModule?: { startAgent: typeof startAgent };
  },
): Promise<TtftResult> {
  const warmups = options.warmups ?? defaultTtftWarmups;
  const llm = await startMockLlm();
  const path = `/bench/agent-ttft-${Date.now()}`;
  const client = createEventsClient({ baseUrl: serverUrl });
  const openai = new OpenAI({ baseURL: llm.baseUrl, apiKey: "bench" });
  const agent = await (options.agentModule?.startAgent ?? startAgent)({
    baseUrl: serverUrl,
    path,
    agent: { baseUrl: llm.baseUrl, apiKey: "bench", model: "mock-model", api: "chat", contextWindowMs: 0 },
  });
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
  const result: TtftResult = { bareMs: [], agentMs: [], agentCpuMs: [], chunksPerSecond: 0, chunks: options.chunks ?? 5_000 };
  try {
    // Bare call and agent alternate sample by sample (A B A B), so a drift of the machine hits both.
    for (let i = 0; i < options.samples + warmups; i++) {
      const bareStarted = performance.now();
      const stream = await openai.chat.completions.create({ model: "mock-model", stream: true, messages: [{ role: "user", content: `hello ${i}` }] });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) break;
      }
      if (i >= warmups) result.bareMs.push(performance.now() - bareStarted);

      const firstChunk = next((event) => event.type === "agent-output-chunk-received" && Boolean(event.payload.text));
      const ended = next((event) => event.type === "agent-run-ended");
      const cpu = process.cpuUsage();
      const started = performance.now();
      await client.append({ path, event: { type: "agent-input-added", payload: { content: `hello ${i}` } } });
      await firstChunk;
      const used = process.cpuUsage(cpu);
      if (i >= warmups) {
        result.agentMs.push(performance.now() - started);
        result.agentCpuMs.push((used.user + used.system) / 1000);
      }
      await ended;
    }
    llm.load([{ text: Array.from({ length: result.chunks }, (_, i) => `w${i}`).join(" ") }]);
    let first = 0;
    let last = 0;
    let seen = 0;
    const counted = next((event) => {
      if (event.type !== "agent-output-chunk-received" || !event.payload.text) return false;
      last = performance.now();
      if (seen++ === 0) first = last;
      return seen === result.chunks;
    });
    const ended = next((event) => event.type === "agent-run-ended");
    await client.append({ path, event: { type: "agent-input-added", payload: { content: "stream a long answer" } } });
    const outcome = await Promise.race([
      counted.then(() => "counted"),
      ended.then((event) => `ended ${String(event.payload.outcome)}: ${String(event.payload.text).slice(0, 200)}`),
    ]);
    if (outcome !== "counted") throw new Error(`the long answer did not stream: the run ${outcome}`);
    result.chunksPerSecond = ((seen - 1) * 1000) / (last - first);
    await ended;
  } finally {
    controller.abort();
    await reading;
    await agent.stop();
    await llm.close();
  }
  return result;
}

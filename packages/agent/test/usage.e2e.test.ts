import { afterEach, describe, expect, it } from "vitest";
import { initialAgentState } from "../src/agent-state.ts";
import { reduceAgent } from "../src/reduce-agent.ts";
import { startHarness, type Harness } from "./support/agent-harness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe.each(["chat", "responses"] as const)("usage and cost over the %s API", (api) => {
  it("records every request's usage, sums it per run and per stream, and costs it by the configured price table", async () => {
    harness = await startHarness({
      api,
      script: [
        {
          match: "list the files",
          toolCalls: [{ name: "shell", arguments: { command: "true" } }],
          usage: { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 400, reasoningTokens: 30 },
        },
        { match: { last: "exit code 0" }, text: "Nothing here.", usage: { inputTokens: 1200, outputTokens: 50, cachedInputTokens: 1000 } },
        { match: "thanks", text: "You are welcome.", usage: { inputTokens: 1300, outputTokens: 10 } },
      ],
    });
    // Prices per million tokens: uncached input 2, cached input 1, output 8.
    await harness.append({
      type: "agent-prices-configured",
      payload: { currency: "EUR", models: { "mock-model": { inputPerMillion: 2, cachedInputPerMillion: 1, outputPerMillion: 8 } } },
    });
    const first = await harness.append({ type: "agent-input-added", payload: { content: "list the files" } });
    const firstEnded = await harness.runEnded(first.offset);
    const second = await harness.append({ type: "agent-input-added", payload: { content: "thanks" } });
    const secondEnded = await harness.runEnded(second.offset);

    const events = await harness.read();
    const completed = harness.ofType(events, "agent-output-completed");
    expect(completed.map((event) => event.payload.usage)).toEqual([
      { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 400, reasoningTokens: 30 },
      { inputTokens: 1200, outputTokens: 50, cachedInputTokens: 1000 },
      { inputTokens: 1300, outputTokens: 10 },
    ]);
    // (600×2 + 400×1 + 100×8) + (200×2 + 1000×1 + 50×8) per million.
    const firstCost = (600 * 2 + 400 + 100 * 8 + 200 * 2 + 1000 + 50 * 8) / 1e6;
    expect(firstEnded.payload.usage).toEqual({
      requests: 2,
      inputTokens: 2200,
      outputTokens: 150,
      cachedInputTokens: 1400,
      reasoningTokens: 30,
      cost: expect.closeTo(firstCost, 12),
      currency: "EUR",
    });
    const secondCost = (1300 * 2 + 10 * 8) / 1e6;
    expect(secondEnded.payload.usage).toEqual({
      requests: 1,
      inputTokens: 1300,
      outputTokens: 10,
      cachedInputTokens: 0,
      reasoningTokens: 0,
      cost: expect.closeTo(secondCost, 12),
      currency: "EUR",
    });

    // The agent's state (folded from the stream, as the agent itself does) holds the stream's totals.
    const state = events.reduce(reduceAgent, initialAgentState());
    expect(state.totals).toEqual({
      requests: 3,
      inputTokens: 3500,
      outputTokens: 160,
      cachedInputTokens: 1400,
      reasoningTokens: 30,
      cost: expect.closeTo(firstCost + secondCost, 12),
      currency: "EUR",
    });
    // Each run's end also carries the stream's totals so far.
    expect(firstEnded.payload.streamUsage).toEqual(firstEnded.payload.usage);
    expect(secondEnded.payload.streamUsage).toEqual(state.totals);
  });
});

describe("usage without a price table", () => {
  it("sums tokens but reports no cost, and a price for * covers any model", async () => {
    harness = await startHarness({
      api: "chat",
      script: [
        { text: "one", usage: { inputTokens: 10, outputTokens: 2 } },
        { text: "two", usage: { inputTokens: 20, outputTokens: 4 } },
      ],
    });
    const first = await harness.append({ type: "agent-input-added", payload: { content: "a" } });
    expect((await harness.runEnded(first.offset)).payload.usage).toEqual({
      requests: 1,
      inputTokens: 10,
      outputTokens: 2,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
    await harness.append({ type: "agent-prices-configured", payload: { models: { "*": { inputPerMillion: 1, outputPerMillion: 1 } } } });
    const second = await harness.append({ type: "agent-input-added", payload: { content: "b" } });
    expect((await harness.runEnded(second.offset)).payload.usage).toMatchObject({ requests: 1, cost: expect.closeTo(24 / 1e6, 12), currency: "USD" });
    const state = (await harness.read()).reduce(reduceAgent, initialAgentState());
    // The stream's cost counts the priced request only; its tokens count both.
    expect(state.totals).toMatchObject({ requests: 2, inputTokens: 30, outputTokens: 6, cost: expect.closeTo(24 / 1e6, 12) });
  });
});

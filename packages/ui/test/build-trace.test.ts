import { describe, expect, it } from "vitest";
import { buildTrace } from "../src/trace/build-trace.ts";
import { parseSearch } from "../src/views/search-panel.ts";
import { agentConversation } from "./support/agent-conversation.ts";
import { stored } from "./support/stored.ts";

describe("the trace of an agent stream", () => {
  it("groups a run's requests as spans with time to first token, duration and tokens from the events' times", () => {
    // stored() gives the events one second apart: event n at 12:00:0(n-1).
    const [run] = buildTrace(stored(agentConversation));
    expect(run).toMatchObject({ inputOffset: 3, input: "Which files are here?", outcome: "answered" });
    expect(run!.requests.map((request) => request.requestId)).toEqual(["3.1", "3.2"]);
    const [first, second] = run!.requests;
    // 3.1 starts at offset 5, its first chunk is offset 6, it completes at offset 8.
    expect(first).toMatchObject({ model: "mock-model", turn: 1, ttftMs: 1000, durationMs: 3000, status: "done" });
    expect(first!.toolCalls).toMatchObject([{ callId: "call_1", name: "shell", durationMs: 1000, isError: false }]);
    expect(second).toMatchObject({ ttftMs: 1000, durationMs: 4000, inputTokens: 120, outputTokens: 12 });
    expect(second!.tools).toEqual([{ name: "shell", description: "Run a bash command." }]);
    // The second request was sent the input, the first answer and the tool's result.
    expect(second!.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool shell"]);
    expect(run!.durationMs).toBe(14_000);
  });

  it("skips odd payloads instead of throwing", () => {
    const odd = stored([
      { type: "agent-request-started", payload: { requestId: 5 } },
      { type: "agent-output-completed", payload: {} },
      { type: "agent-tool-call-completed", payload: { callId: [] } },
    ]);
    expect(() => buildTrace(odd)).not.toThrow();
  });
});

describe("the search box", () => {
  it("takes type: words as the types filter and the rest as the text", () => {
    expect(parseSearch("type:agent-*,stream/paused  time out ")).toEqual({ types: "agent-*,stream/paused", q: "time out" });
    expect(parseSearch("hello")).toEqual({ types: "", q: "hello" });
  });
});

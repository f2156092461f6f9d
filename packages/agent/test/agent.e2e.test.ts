import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requestTexts, startHarness, type Harness } from "./support/agent-harness.ts";
import { waitFor } from "./support/wait-for.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe.each(["chat", "responses"] as const)("the agent over the %s API", (api) => {
  it("stores every streamed chunk as an event, then the completed output, and ends the run answered", async () => {
    harness = await startHarness({ api, script: [{ text: "Hello from the mock model." }] });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "say hello" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "Hello from the mock model.", turns: 1 });
    const events = await harness.read();
    const chunks = harness.ofType(events, "agent-output-chunk-received");
    expect(chunks.map((c) => c.payload.text).filter(Boolean).join("")).toBe("Hello from the mock model.");
    expect(chunks.map((c) => c.payload.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.every((c) => c.payload.raw !== undefined)).toBe(true);
    const [completed] = harness.ofType(events, "agent-output-completed");
    expect(completed!.payload).toMatchObject({ requestId: `${input.offset}.1`, text: "Hello from the mock model.", toolCalls: [] });
    expect(events.map((e) => e.type).filter((t) => t !== "agent-output-chunk-received" && t !== "agent-tool-announced")).toEqual([
      "agent-input-added",
      "agent-context-window-opened",
      "agent-request-started",
      "agent-output-completed",
      "agent-run-ended",
    ]);
    const [request] = harness.llm.requests;
    expect(request!.api).toBe(api);
    expect(requestTexts(request!.body)).toEqual(["You are a test agent.", "say hello"]);
  });
});

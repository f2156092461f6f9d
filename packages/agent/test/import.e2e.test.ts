import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { initialAgentState } from "../src/agent-state.ts";
import { readSession } from "../src/import/read-session.ts";
import { transcriptEvents } from "../src/import/transcript-events.ts";
import { reduceAgent } from "../src/reduce-agent.ts";
import { requestTexts, startHarness, type Harness } from "./support/agent-harness.ts";
import { spawnCli } from "./support/spawn-cli.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function importFile(file: string, to: string, url: string): Promise<{ code: number | null; output: string }> {
  const cli = spawnCli(["import", file, "--to", to, "--url", url]);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

describe("tributary import", () => {
  it("imports a Claude Code session as agent events that the agent's reduce reads as the conversation, and the agent continues it", async () => {
    harness = await startHarness({ api: "chat", script: [{ match: "smallest", text: "README.md is the smallest." }] });
    const to = `${harness.path}-imported`;
    const result = await importFile(fixture("claude-code-session.jsonl"), to, harness.url);
    expect(result.output).toContain(`into ${to}`);
    expect(result.code).toBe(0);

    const events = await harness.read(to);
    expect(events.map((event) => event.type)).toEqual([
      "agent-session-imported",
      "agent-input-added",
      "agent-request-started",
      "agent-output-completed",
      "agent-tool-call-requested",
      "agent-tool-call-completed",
      "agent-request-started",
      "agent-output-completed",
      "agent-run-ended",
      "agent-input-added",
      "agent-request-started",
      "agent-output-completed",
      "agent-run-ended",
    ]);
    expect(events[0]!.payload).toMatchObject({
      source: "claude-code",
      sessionId: "7c1f2e9a-0d3b-4f5e-9a61-2b8c4d6e8f01",
      cwd: "/home/ada/app",
      file: "claude-code-session.jsonl",
    });
    // The three lines of one streamed answer are one output; thinking is left out; usage counts the cache.
    expect(events[3]!.payload).toMatchObject({
      text: "Let me count them.",
      toolCalls: [{ callId: "toolu_01", name: "Bash", arguments: JSON.stringify({ command: "ls src | wc -l", description: "Count files in src" }) }],
      usage: { inputTokens: 10_204, outputTokens: 58, cachedInputTokens: 9000 },
    });
    expect(events[5]!.metadata).toEqual({ importedAt: "2025-07-01T10:00:04.000Z" });
    expect(events[8]!.payload).toMatchObject({ outcome: "answered", text: "There are 12 files in src.", turns: 2 });

    const state = events.reduce(reduceAgent, initialAgentState());
    expect(state.run).toBeUndefined();
    expect(state.history.map((entry) => [entry.kind, "text" in entry ? entry.text : "output" in entry ? entry.output : ""])).toEqual([
      ["input", "How many files are in src?"],
      ["assistant", "Let me count them."],
      ["tool-result", "12"],
      ["assistant", "There are 12 files in src."],
      ["input", "Thanks! Which one is the largest?"],
      ["assistant", "main.ts, at 4 KB."],
    ]);

    // Continued here: an agent on the imported stream answers the next input with the imported history.
    const { startAgent } = await import("../src/start-agent.ts");
    const agent = await startAgent({
      baseUrl: harness.url,
      path: to,
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
    try {
      const input = await harness.append({ type: "agent-input-added", payload: { content: "And the smallest?" } }, to);
      expect((await harness.runEnded(input.offset, to)).payload).toMatchObject({ outcome: "answered", text: "README.md is the smallest." });
      const texts = requestTexts(harness.llm.requests.at(-1)!.body);
      expect(texts).toEqual(
        expect.arrayContaining(["How many files are in src?", "12", "There are 12 files in src.", "main.ts, at 4 KB.", "And the smallest?"]),
      );
    } finally {
      await agent.stop();
    }
  });

  it("imports the current branch of a pi session and refuses a stream that has events", async () => {
    harness = await startHarness({ api: "chat", script: [] });
    const to = `${harness.path}-pi`;
    expect((await importFile(fixture("pi-session.jsonl"), to, harness.url)).code).toBe(0);
    const events = await harness.read(to);
    const state = events.reduce(reduceAgent, initialAgentState());
    expect(state.history.map((entry) => ("text" in entry ? entry.text : "output" in entry ? entry.output : ""))).toEqual([
      "What does package.json name the project?",
      "",
      '{"name": "rocket"}',
      "It is called rocket.",
      "Now tell me its version.",
      "Version 1.2.0.",
    ]);
    expect(events[0]!.payload).toMatchObject({ source: "pi", sessionId: "5b0e2f1c-8a4d-4c6e-b7f2-1d3a5c7e9b20", steps: 6 });
    expect(events.find((event) => event.type === "agent-output-completed")!.payload).toMatchObject({
      toolCalls: [{ callId: "toolu_pi_1", name: "read" }],
      usage: { inputTokens: 2503, outputTokens: 40, cachedInputTokens: 2000 },
    });
    expect(state.totals).toMatchObject({ requests: 3, outputTokens: 53 });

    const again = await importFile(fixture("pi-session.jsonl"), to, harness.url);
    expect(again.code).not.toBe(0);
    expect(again.output).toContain("already has events");
    expect(await harness.read(to)).toHaveLength(events.length);
  });

  it("closes a run whose tool call has no result in the file, and says what is wrong with a file that is not a session", async () => {
    const cut = readFileSync(fixture("claude-code-session.jsonl"), "utf8").split("\n").slice(0, 5).join("\n");
    const events = transcriptEvents(readSession(cut));
    expect(events.slice(-2).map((event) => [event.type, event.payload?.isError ?? event.payload?.outcome])).toEqual([
      ["agent-tool-call-completed", true],
      ["agent-run-ended", "interrupted"],
    ]);
    expect(events.map((event) => event.offset)).toEqual(events.map((_, index) => index + 1));
    expect(() => readSession('{"hello": "world"}\n')).toThrow(/neither a Claude Code session/);
    expect(() => readSession("not json\n")).toThrow(/line 1 is not JSON/);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PullProcessorRuntime } from "@tributary/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "../src/tools/define-tool.ts";
import { createToolProcessor } from "../src/tools/tool-processor.ts";
import { requestTexts, startHarness, type Harness } from "./support/agent-harness.ts";
import { spawnCli, type Cli } from "./support/spawn-cli.ts";
import { waitFor } from "./support/wait-for.ts";

// The agent on long tasks that go wrong (issue 13): every scenario over real HTTP against the scripted model
// server, with real tool processes killed for real.

let harness: Harness | undefined;
const spawned: Cli[] = [];
const runtimes: PullProcessorRuntime<unknown>[] = [];
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((cli) => cli.kill("SIGKILL")));
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
  await harness?.close();
  harness = undefined;
});

const wordCountPlugin = fileURLToPath(new URL("../../../examples/agent-plugins/word-count.ts", import.meta.url));

const countCall = { name: "word_count", arguments: { text: "one two three" } };
/** The model's second question once the plugin is back: it calls word_count and reads the answer. */
const askedAgain = [
  { match: "again", toolCalls: [countCall] },
  { match: { user: "again", last: "/^3$/" }, text: "Three words." },
];

/** Runs the word-count plugin as its own `tributary run` process on the harness's stream. */
async function startPlugin(h: Harness): Promise<Cli> {
  const plugin = spawnCli(["run", wordCountPlugin, "--path", h.path, "--url", h.url]);
  spawned.push(plugin);
  await plugin.waitFor(/is running on/, 60_000); // a process start; slow on a loaded machine
  return plugin;
}

/** A restarted plugin announces word_count again and answers the model's next call to it. */
async function expectRestartedPluginAnswers(h: Harness, announcementsBefore: number) {
  await startPlugin(h);
  await h.waitForEvent(
    (e) => e.type === "agent-tool-announced" && e.payload.name === "word_count" && e.offset > announcementsBefore,
    "word_count to be announced again",
  );
  const input = await h.append({ type: "agent-input-added", payload: { content: "count again: 'one two three'" } });
  expect((await h.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "Three words." });
  const results = h.ofType(await h.read(), "agent-tool-call-completed").filter((e) => e.offset > input.offset);
  expect(results.map((e) => e.payload)).toEqual([expect.objectContaining({ name: "word_count", output: "3", isError: false })]);
}

describe.each(["SIGTERM", "SIGINT"] as const)("a tool whose process is stopped with %s", (signal) => {
  it("withdraws the tool before the process exits, so the model is never offered it; restarted, it answers again", async () => {
    harness = await startHarness({
      api: "chat",
      script: [
        { match: "count the words", toolCalls: [countCall] },
        { match: { last: "there is no tool named" }, text: "The word counter is gone." },
        ...askedAgain,
      ],
    });
    const plugin = await startPlugin(harness);
    await harness.waitForEvent((e) => e.type === "agent-tool-announced" && e.payload.name === "word_count", "word_count to be announced");
    expect(await plugin.kill(signal)).toBe(0);

    // Read once the process is gone: the withdrawal was stored before it exited, by the process itself.
    const afterExit = await harness.read();
    const [withdrawn] = harness.ofType(afterExit, "agent-tool-withdrawn");
    expect(withdrawn!.payload).toMatchObject({ name: "word_count", reason: expect.stringContaining("stopped") });
    expect(withdrawn!.metadata).toMatchObject({ processor: "word-count" });

    const input = await harness.append({ type: "agent-input-added", payload: { content: "count the words in 'one two three'" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "The word counter is gone.", turns: 2 });
    // The request offered no word_count, and the model's call to it anyway was answered at once with an error.
    expect(harness.llm.requests[0]!.summary.tools).not.toContain("word_count");
    const [completed] = harness.ofType(await harness.read(), "agent-tool-call-completed");
    expect(completed!.payload).toMatchObject({ name: "word_count", isError: true, output: expect.stringContaining("there is no tool named") });

    await expectRestartedPluginAnswers(harness, withdrawn!.offset);
  }, 180_000); // two process starts: slow on a loaded machine
});

describe("a tool whose process is killed with SIGKILL (no stop hook can run)", () => {
  it("gets no silent call: the call ends with an error the model sees, the tool is withdrawn, the run ends; restarted, it answers again", async () => {
    harness = await startHarness({
      api: "chat",
      agent: { toolAckTimeoutMs: 1_000 },
      script: [{ match: "count the words", toolCalls: [countCall] }, { match: { last: "no process took" }, text: "The word counter is gone." }, ...askedAgain],
    });
    const plugin = await startPlugin(harness);
    await harness.waitForEvent((e) => e.type === "agent-tool-announced" && e.payload.name === "word_count", "word_count to be announced");
    await plugin.kill("SIGKILL");
    expect(harness.ofType(await harness.read(), "agent-tool-withdrawn")).toHaveLength(0);

    const input = await harness.append({ type: "agent-input-added", payload: { content: "count the words in 'one two three'" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "The word counter is gone.", turns: 2 });
    const events = await harness.read();
    const [completed] = harness.ofType(events, "agent-tool-call-completed");
    expect(completed!.payload).toMatchObject({ name: "word_count", isError: true, output: expect.stringContaining("toolAckTimeoutMs") });
    const [withdrawn] = harness.ofType(events, "agent-tool-withdrawn");
    expect(withdrawn!.payload).toMatchObject({ name: "word_count" });
    // The model saw the error, and the next request no longer offers the tool.
    expect(requestTexts(harness.llm.requests[1]!.body).some((text) => text.includes("no process took"))).toBe(true);
    expect(harness.llm.requests[1]!.summary.tools).not.toContain("word_count");

    await expectRestartedPluginAnswers(harness, withdrawn!.offset);
  }, 180_000); // two process starts: slow on a loaded machine
});

describe("tool calls that take too long", () => {
  it("end with an error result at the tool's timeout, and the tool's run is aborted", async () => {
    harness = await startHarness({
      api: "responses",
      script: [
        { match: "wait", toolCalls: [{ name: "wait_forever", arguments: {} }] },
        { match: { last: "did not answer within 500 ms" }, text: "It timed out." },
      ],
    });
    let aborted = false;
    const waitForever = defineTool({
      name: "wait_forever",
      description: "Never answers.",
      input: z.object({}),
      timeoutMs: 500,
      run: (_input, { signal }) => new Promise((resolve) => signal.addEventListener("abort", () => ((aborted = true), resolve("too late")))),
    });
    const runtime = new PullProcessorRuntime({ baseUrl: harness.url, path: harness.path, processor: createToolProcessor([waitForever]) as never });
    runtimes.push(runtime as never);
    await runtime.start();
    const input = await harness.append({ type: "agent-input-added", payload: { content: "wait for it" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "It timed out." });
    const events = await harness.read();
    expect(harness.ofType(events, "agent-tool-call-started")).toHaveLength(1);
    const completed = harness.ofType(events, "agent-tool-call-completed");
    expect(completed).toHaveLength(1);
    expect(completed[0]!.payload).toMatchObject({ isError: true, output: expect.stringContaining("(its timeout)") });
    await waitFor(() => aborted, "the tool's run to be aborted");
  });
});

describe.each(["chat", "responses"] as const)("over the %s API", (api) => {
  it("closes a run within seconds of the stream coming back after a server restart mid-reply", async () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ");
    harness = await startHarness({ api, script: [{ text: words, chunkDelayMs: 50 }] });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "talk for a while" } });
    await harness.waitForEvent((e) => e.type === "agent-output-chunk-received" && Number(e.payload.index) >= 3, "a few chunks");
    await harness.stopServer();
    // The agent cannot store the chunks while the server is down: it gives the model stream up.
    await waitFor(() => harness!.llm.requests[0]?.finished, "the agent to give the model stream up");
    expect(harness.llm.requests[0]!.chunksSent).toBeLessThan(200);
    await harness.startServer();
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "interrupted", turns: 1, text: expect.stringContaining("could not store its events") });
    const events = await harness.read();
    expect(harness.ofType(events, "agent-request-cancelled")[0]!.payload).toMatchObject({ requestId: `${input.offset}.1` });
    expect(harness.ofType(events, "agent-output-completed")).toHaveLength(0);
  });

  it("retries a silent model with an event per retry, then fails within the configured timeouts", async () => {
    harness = await startHarness({
      api,
      agent: { connectTimeoutMs: 300, firstTokenTimeoutMs: 300, maxRetries: 2, retryDelayMs: 50 },
      script: [
        { match: "headers", stallAfterChunks: 0, text: "never sent", repeat: true },
        { gate: "never", text: "never sent", repeat: true },
      ],
    });
    const silent = await harness.append({ type: "agent-input-added", payload: { content: "are you there?" } });
    const ended = await harness.runEnded(silent.offset);
    expect(ended.payload).toMatchObject({ outcome: "failed", turns: 1, text: expect.stringContaining("connectTimeoutMs") });
    let events = await harness.read();
    expect(harness.ofType(events, "agent-request-retried").map((e) => e.payload)).toEqual([
      expect.objectContaining({
        requestId: `${silent.offset}.1`,
        attempt: 2,
        delayMs: 50,
        error: expect.stringContaining("no response headers within 300 ms"),
      }),
      expect.objectContaining({ requestId: `${silent.offset}.1`, attempt: 3, delayMs: 100 }),
    ]);
    expect(harness.ofType(events, "agent-request-failed")[0]!.payload).toMatchObject({ attempts: 3 });
    expect(harness.llm.requests).toHaveLength(3);

    // Headers, then silence: the first-token clock.
    const stalled = await harness.append({ type: "agent-input-added", payload: { content: "headers only" } });
    expect((await harness.runEnded(stalled.offset)).payload).toMatchObject({ outcome: "failed", text: expect.stringContaining("firstTokenTimeoutMs") });
    events = await harness.read();
    expect(harness.ofType(events, "agent-request-retried").filter((e) => e.payload.requestId === `${stalled.offset}.1`)).toHaveLength(2);
  });

  it("stops a run and the sub-agent it waits for on agent-run-stop-requested, closing the call once", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "delegate", toolCalls: [{ name: "subagent", arguments: { name: "helper", task: "think slowly" } }] },
        { match: "think slowly", gate: "child", text: "The child's late answer." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "delegate this" } });
    const child = `${harness.path}/helper`;
    await harness.waitForEvent((e) => e.type === "agent-request-started", "the child's request", child);
    await harness.append({ type: "agent-run-stop-requested", payload: { reason: "the user pressed Ctrl-C" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "stopped", turns: 1 });
    const childEnded = await harness.waitForEvent((e) => e.type === "agent-run-ended", "the child's run to end", child);
    expect(childEnded.payload).toMatchObject({ outcome: "stopped" });
    harness.llm.openGate("child");
    // Nothing more arrives for the closed call: one result, the agent's.
    await harness.append({ type: "agent-input-added", payload: { content: "delegate this" } }, child);
    const events = await harness.read();
    const completions = harness.ofType(events, "agent-tool-call-completed");
    expect(completions).toHaveLength(1);
    expect(completions[0]!.payload).toMatchObject({ name: "subagent", isError: true, output: expect.stringContaining("Ctrl-C") });
  });

  it("cancels the sub-agent a run waits for when a new input interrupts it, closing the call once", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "delegate", toolCalls: [{ name: "subagent", arguments: { name: "helper", task: "think slowly" } }] },
        { match: "think slowly", gate: "child", text: "The child's late answer." },
        { match: "never mind", text: "OK." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "delegate this" } });
    const child = `${harness.path}/helper`;
    await harness.waitForEvent((e) => e.type === "agent-request-started", "the child's request", child);
    const second = await harness.append({ type: "agent-input-added", payload: { content: "never mind" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "cancelled", byOffset: second.offset });
    expect((await harness.runEnded(second.offset)).payload).toMatchObject({ outcome: "answered", text: "OK." });
    const childEnded = await harness.waitForEvent((e) => e.type === "agent-run-ended", "the child's run to end", child);
    expect(childEnded.payload.outcome).not.toBe("answered");
    harness.llm.openGate("child");
    const events = await harness.read();
    const completions = harness.ofType(events, "agent-tool-call-completed");
    expect(completions).toHaveLength(1);
    expect(completions[0]!.payload).toMatchObject({ name: "subagent", isError: true });
  });

  it("fails a request whose stream goes silent between chunks at idleTimeoutMs, with the reason", async () => {
    harness = await startHarness({ api, agent: { idleTimeoutMs: 300 }, script: [{ text: "one two three four five", stallAfterChunks: 2 }] });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "start, then stop talking" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "failed", text: expect.stringContaining("idleTimeoutMs") });
    const events = await harness.read();
    // Some text came before the silence (how many chunk events depends on the wire format), not all of it.
    const text = harness
      .ofType(events, "agent-output-chunk-received")
      .map((e) => String(e.payload.text ?? ""))
      .join("");
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain("five");
    expect(harness.ofType(events, "agent-request-failed")[0]!.payload).toMatchObject({
      message: expect.stringMatching(/silent for 300 ms after chunk \d+ \(idleTimeoutMs\)/),
    });
  });

  it("refuses a sub-agent past the depth limit with an event, and the chain still answers", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: { last: "refused" }, text: "cannot go deeper", repeat: true },
        { match: { last: "cannot go deeper" }, text: "done: cannot go deeper", repeat: true },
        { match: { tool: "subagent" }, toolCalls: [{ name: "subagent", arguments: { name: "deeper", task: "go deeper" } }], repeat: true },
      ],
    });
    await harness.append({ type: "agent-settings-changed", payload: { maxSubagentDepth: 2 } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "go deeper" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "done: cannot go deeper" });
    const deepest = `${harness.path}/deeper/deeper`;
    const refused = await harness.waitForEvent((e) => e.type === "agent-subagent-refused", "the refusal", deepest);
    expect(refused.payload).toMatchObject({ depth: 3, maxDepth: 2 });
    expect(await harness.read(`${deepest}/deeper`)).toEqual([]);
  });

  it("steers a run: an input with the steer policy joins it at the next turn boundary without cancelling it", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "list", toolCalls: [{ name: "shell", arguments: { command: "sleep 1; echo listed" } }] },
        { match: "only markdown", text: "Only the markdown files, then." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "list the files" } });
    await harness.waitForEvent((e) => e.type === "agent-tool-call-started", "the shell call to run");
    const steer = await harness.append({ type: "agent-input-added", payload: { content: "only markdown files please", policy: "steer" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "Only the markdown files, then.", turns: 2 });
    const events = await harness.read();
    expect(harness.ofType(events, "agent-input-steered")[0]!.payload).toEqual({ inputOffset: steer.offset, runInputOffset: input.offset });
    expect(harness.ofType(events, "agent-request-cancelled")).toHaveLength(0);
    expect(harness.ofType(events, "agent-run-ended")).toHaveLength(1);
    const texts = requestTexts(harness.llm.requests[1]!.body);
    expect(texts.indexOf("only markdown files please")).toBeGreaterThan(texts.findIndex((text) => text.includes("listed")));
  });

  it("compacts inside one long run before any request passes the budget", async () => {
    const file = Array.from({ length: 160 }, (_, i) => `line ${i}: ${"lorem ipsum ".repeat(4)}`).join("\n"); // ~8 kB
    harness = await startHarness({
      api,
      agent: { compactionBudgetTokens: 4_000 },
      script: [
        { match: { system: "You compact" }, text: "SUMMARY: read big.txt several times.", repeat: true },
        { match: "read it five times", toolCalls: [{ name: "read_file", arguments: { path: "big.txt" } }], times: 5 },
        { text: "Read it five times." },
      ],
    });
    writeFileSync(join(harness.cwd, "big.txt"), file);
    const input = await harness.append({ type: "agent-input-added", payload: { content: "read it five times" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", turns: 6 });
    const events = await harness.read();
    expect(harness.ofType(events, "agent-compaction-started").length).toBeGreaterThan(0);
    const requests = harness.llm.requests.filter((request) => !requestTexts(request.body).some((text) => text.startsWith("You compact")));
    expect(requests).toHaveLength(6);
    for (const request of requests) {
      const texts = requestTexts(request.body);
      expect(texts.join("\n").length / 4).toBeLessThan(4_000);
      expect(texts).toContain("read it five times"); // the task itself is never summarized away
    }
  });

  it("recovers from a context-length error by compacting and retrying the request once", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "first", text: "First answered." },
        { match: { system: "You compact" }, text: "SUMMARY: a first question was answered." },
        {
          match: "second",
          error: { status: 400, message: "This model's maximum context length is 128 tokens.", code: "context_length_exceeded", type: "invalid_request_error" },
        },
        { match: "second", text: "Second answered after compaction." },
      ],
    });
    const first = await harness.append({ type: "agent-input-added", payload: { content: "first question" } });
    await harness.runEnded(first.offset);
    const second = await harness.append({ type: "agent-input-added", payload: { content: "second question" } });
    expect((await harness.runEnded(second.offset)).payload).toMatchObject({ outcome: "answered", text: "Second answered after compaction.", turns: 2 });
    const events = await harness.read();
    expect(harness.ofType(events, "agent-compaction-started")[0]!.payload).toMatchObject({ requestId: `${second.offset}.1.retry`, reason: "context-length" });
    expect(harness.ofType(events, "agent-request-started").map((e) => e.payload.requestId)).toEqual([
      `${first.offset}.1`,
      `${second.offset}.1`,
      `${second.offset}.1.retry`,
    ]);
    expect(requestTexts(harness.llm.requests.at(-1)!.body)).toContain("Summary of the conversation so far:\nSUMMARY: a first question was answered.");
  });

  it("stores every chunk of a fast model as its own event, in order, while the model streams unhindered", async () => {
    const words = Array.from({ length: 1_000 }, (_, i) => `w${i}`);
    harness = await startHarness({ api, script: [{ text: words.join(" ") }] });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "flood" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: words.join(" ") });
    const events = await harness.read();
    const chunks = harness.ofType(events, "agent-output-chunk-received");
    expect(chunks.map((chunk) => chunk.payload.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((chunk) => chunk.payload.text ?? "").join("")).toBe(words.join(" "));
    expect(chunks.every((chunk) => chunk.metadata?.processor === "agent")).toBe(true);
    // The completed output comes after the last chunk.
    expect(harness.ofType(events, "agent-output-completed")[0]!.offset).toBeGreaterThan(chunks.at(-1)!.offset);
    expect(harness.llm.requests[0]!.chunksSent).toBeGreaterThanOrEqual(1_000);
  });

  it("offers the tools announced while the context window was open", async () => {
    harness = await startHarness({ api, agent: { contextWindowMs: 600 }, script: [{ text: "ok" }] });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "hi" } });
    await harness.waitForEvent((e) => e.type === "agent-context-window-opened", "the window");
    await harness.append({
      type: "agent-tool-announced",
      payload: { name: "late_tool", description: "Announced during the window.", parameters: { type: "object" } },
    });
    await harness.runEnded(input.offset);
    const [started] = harness.ofType(await harness.read(), "agent-request-started");
    expect(started!.payload.tools).toContain("late_tool");
    expect(harness.llm.requests[0]!.summary.tools).toContain("late_tool");
  });
});

describe("two agent processes on one stream", () => {
  it("answer each input once: the second waits as a standby and takes over when the first is killed", async () => {
    harness = await startHarness({
      api: "chat",
      script: [
        { match: "first", text: "One." },
        { match: "second", text: "Two." },
      ],
    });
    await harness.stopAgent(); // the harness's own agent gives the lease up: two CLI processes compete here
    // A 3 s time to live: with 1 s, a holder's heartbeat that a loaded machine delays past it lets the standby take over mid-run.
    const agentCli = () => {
      const cli = spawnCli([
        "agent",
        harness!.path,
        "--base-url",
        harness!.llm.baseUrl,
        "--model",
        "mock-model",
        "--no-tools",
        "--context-window-ms",
        "20",
        "--lease-ttl-ms",
        "3000",
        "--url",
        harness!.url,
      ]);
      spawned.push(cli);
      return cli;
    };
    const first = agentCli();
    await first.waitFor(/agent running on/, 50_000);
    const second = agentCli();
    await second.waitFor(/standby: another agent process answers/, 50_000);

    const one = await harness.append({ type: "agent-input-added", payload: { content: "first question" } });
    expect((await harness.runEnded(one.offset)).payload).toMatchObject({ outcome: "answered", text: "One." });
    expect(harness.llm.requests).toHaveLength(1);

    await first.kill("SIGKILL");
    await second.waitFor(/agent running on/, 50_000);
    const two = await harness.append({ type: "agent-input-added", payload: { content: "second question" } });
    expect((await harness.runEnded(two.offset)).payload).toMatchObject({ outcome: "answered", text: "Two." });
    expect(harness.llm.requests).toHaveLength(2);
    const events = await harness.read();
    expect(harness.ofType(events, "agent-run-ended")).toHaveLength(2);
    expect(harness.ofType(events, "agent-lease-acquired").map((e) => e.payload.epoch)).toEqual([1, 2, 3]);
  }, 180_000);
});

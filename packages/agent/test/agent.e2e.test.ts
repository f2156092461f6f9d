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
    expect(
      chunks
        .map((c) => c.payload.text)
        .filter(Boolean)
        .join(""),
    ).toBe("Hello from the mock model.");
    expect(chunks.map((c) => c.payload.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.every((c) => c.payload.raw !== undefined)).toBe(true);
    const [completed] = harness.ofType(events, "agent-output-completed");
    expect(completed!.payload).toMatchObject({ requestId: `${input.offset}.1`, text: "Hello from the mock model.", toolCalls: [] });
    expect(events.map((e) => e.type).filter((t) => t !== "agent-output-chunk-received" && t !== "agent-tool-announced")).toEqual([
      "agent-lease-acquired",
      "circuit-breaker/configured",
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
  it("with a context window of 0 ms, stores the window and the request start in one append (one round trip less to the first token)", async () => {
    harness = await startHarness({ api, script: [{ text: "one" }, { text: "two" }, { text: "three" }], agent: { contextWindowMs: 0 } });
    for (const content of ["a", "b", "c"]) {
      const input = await harness.append({ type: "agent-input-added", payload: { content } });
      expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered" });
    }
    const events = await harness.read();
    const opened = harness.ofType(events, "agent-context-window-opened");
    const started = harness.ofType(events, "agent-request-started");
    expect(opened).toHaveLength(3);
    expect(started).toHaveLength(3);
    // One append: adjacent offsets and one creation time (the store stamps an append's events once).
    expect(started.map((event) => [event.offset, event.createdAt])).toEqual(opened.map((event) => [event.offset + 1, event.createdAt]));
    expect(opened.map((event) => event.payload.windowMs)).toEqual([0, 0, 0]);
    expect(harness.llm.requests).toHaveLength(3);
  });

  it("runs a shell tool call with real bash in the working directory and feeds the output back", async () => {
    harness = await startHarness({
      api,
      script: [
        { toolCalls: [{ name: "shell", arguments: { command: "echo hello-from-bash > out.txt && cat out.txt && pwd" } }] },
        { match: { last: "hello-from-bash" }, text: "The shell said hello." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "run something" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "The shell said hello.", turns: 2 });
    const events = await harness.read();
    const [requested] = harness.ofType(events, "agent-tool-call-requested");
    expect(requested!.payload).toMatchObject({ name: "shell", input: { command: expect.stringContaining("echo hello-from-bash") } });
    const [completed] = harness.ofType(events, "agent-tool-call-completed");
    expect(completed!.payload).toMatchObject({ callId: requested!.payload.callId, name: "shell", isError: false });
    expect(completed!.payload.output).toContain("exit code 0\nhello-from-bash");
    expect(completed!.payload.output).toContain(harness.cwd);
    expect(readFileSync(join(harness.cwd, "out.txt"), "utf8")).toBe("hello-from-bash\n");
    const second = harness.llm.requests[1]!;
    expect(requestTexts(second.body).some((text) => text.includes("hello-from-bash"))).toBe(true);
    expect(harness.llm.requests[0]!.summary.tools).toEqual(expect.arrayContaining(["shell", "read_file", "write_file", "edit_file", "subagent"]));
  });

  it("edits a file with the edit tool and reports the edit back to the model", async () => {
    harness = await startHarness({
      api,
      script: [
        { toolCalls: [{ name: "edit_file", arguments: { path: "src/app.txt", oldText: "color = red", newText: "color = blue" } }] },
        { match: { last: "replaced 1 occurrence" }, text: "Changed the color." },
      ],
    });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(harness.cwd, "src"));
    writeFileSync(join(harness.cwd, "src/app.txt"), "name = demo\ncolor = red\n");
    const input = await harness.append({ type: "agent-input-added", payload: { content: "make it blue" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "Changed the color." });
    expect(readFileSync(join(harness.cwd, "src/app.txt"), "utf8")).toBe("name = demo\ncolor = blue\n");
  });

  it("delegates to a sub-agent on a child path and gets its answer back as the tool result", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "build the thing", toolCalls: [{ name: "subagent", arguments: { name: "researcher", task: "research the answer" } }] },
        { match: "research the answer", text: "The answer is 42." },
        { match: { last: "The answer is 42." }, text: "My researcher found 42." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "build the thing" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "My researcher found 42." });
    const child = `${harness.path}/researcher`;
    const childEvents = await harness.read(child);
    const [task] = harness.ofType(childEvents, "agent-input-added");
    expect(task!.payload).toMatchObject({ content: "research the answer", policy: "queue" });
    expect(task!.metadata?.delegatedBy).toMatchObject({ path: harness.path });
    expect(harness.ofType(childEvents, "agent-run-ended")[0]!.payload).toMatchObject({ outcome: "answered", text: "The answer is 42." });
    const [result] = harness.ofType(await harness.read(), "agent-tool-call-completed");
    expect(result!.payload).toMatchObject({ name: "subagent", output: "The answer is 42.", isError: false });
  });

  it("cancels a running request when a new input arrives, says so, and answers the new input", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "first", text: "A long answer that never finishes", stallAfterChunks: 1 },
        { match: "second", text: "Answer to the second." },
      ],
    });
    const first = await harness.append({ type: "agent-input-added", payload: { content: "first question" } });
    await harness.waitForEvent((e) => e.type === "agent-output-chunk-received" && e.payload.text === "A ", "the first chunk");
    const second = await harness.append({ type: "agent-input-added", payload: { content: "second question" } });
    const firstEnded = await harness.runEnded(first.offset);
    expect(firstEnded.payload).toMatchObject({ outcome: "cancelled", byOffset: second.offset });
    const events = await harness.read();
    const [cancelled] = harness.ofType(events, "agent-request-cancelled");
    expect(cancelled!.payload).toMatchObject({ requestId: `${first.offset}.1`, byOffset: second.offset });
    expect(harness.ofType(events, "agent-output-completed").map((e) => e.payload.requestId)).not.toContain(`${first.offset}.1`);
    expect((await harness.runEnded(second.offset)).payload).toMatchObject({ outcome: "answered", text: "Answer to the second." });
    await waitFor(() => harness!.llm.requests[0]!.finished, "the mock to see the first request abandoned");
    expect(requestTexts(harness.llm.requests[1]!.body)).toEqual(["You are a test agent.", "first question", "A ", "second question"]);
  });

  it("queues an input under the queue policy and answers it after the running request", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "first", text: "one two three", gate: "first" },
        { match: "second", text: "Answer two." },
      ],
    });
    const first = await harness.append({ type: "agent-input-added", payload: { content: "first question" } });
    await harness.waitForEvent((e) => e.type === "agent-request-started", "the first request");
    const second = await harness.append({ type: "agent-input-added", payload: { content: "second question", policy: "queue" } });
    await harness.waitForEvent((e) => e.type === "agent-input-queued", "the second input to be queued");
    harness.llm.openGate("first");
    expect((await harness.runEnded(first.offset)).payload).toMatchObject({ outcome: "answered", text: "one two three" });
    expect((await harness.runEnded(second.offset)).payload).toMatchObject({ outcome: "answered", text: "Answer two." });
    const queued = harness.ofType(await harness.read(), "agent-input-queued");
    expect(queued.map((e) => e.payload)).toEqual([{ inputOffset: second.offset, behindInputOffset: first.offset }]);
  });
  it("includes context that arrives inside the window, and does not wait for context that comes after it", async () => {
    harness = await startHarness({ api, agent: { contextWindowMs: 3000 }, script: [{ text: "first answer" }, { text: "second answer" }] });
    const h = harness;
    // A context processor that answers each window quickly, and a slow one that only answers after the request started.
    const first = await h.append({ type: "agent-input-added", payload: { content: "question one" } });
    const window = await h.waitForEvent((e) => e.type === "agent-context-window-opened", "the window to open");
    await h.append({ type: "agent-context-added", payload: { content: "FAST CONTEXT", source: "rag", requestId: window.payload.requestId } });
    const started = await h.waitForEvent((e) => e.type === "agent-request-started", "the request to start");
    const late = await h.append({ type: "agent-context-added", payload: { content: "LATE CONTEXT", source: "slow" } });
    await h.runEnded(first.offset);
    expect(started.offset).toBeLessThan(late.offset);
    const firstTexts = requestTexts(h.llm.requests[0]!.body);
    expect(firstTexts).toContain("Context from rag:\nFAST CONTEXT");
    expect(firstTexts.some((t) => t.includes("LATE CONTEXT"))).toBe(false);
    const second = await h.append({ type: "agent-input-added", payload: { content: "question two" } });
    await h.runEnded(second.offset);
    expect(requestTexts(h.llm.requests[1]!.body)).toContain("Context from slow:\nLATE CONTEXT");
  });

  it("proceeds when the window closes even though no context came", async () => {
    harness = await startHarness({ api, agent: { contextWindowMs: 300 }, script: [{ text: "no context needed" }] });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "hi" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered" });
  });

  it("compacts the history past the token budget: a summary replaces older turns, raw events stay", async () => {
    const long = "x".repeat(600);
    harness = await startHarness({
      api,
      agent: { compactionBudgetTokens: 200 },
      script: [
        { match: { system: "You compact" }, text: "SUMMARY: the user asked about apples." },
        { match: "apples", text: "Apples are red." },
        { match: "pears", text: "Pears are green." },
      ],
    });
    const first = await harness.append({ type: "agent-input-added", payload: { content: `tell me about apples ${long}` } });
    await harness.runEnded(first.offset);
    const second = await harness.append({ type: "agent-input-added", payload: { content: "and pears?" } });
    expect((await harness.runEnded(second.offset)).payload).toMatchObject({ outcome: "answered", text: "Pears are green." });
    const events = await harness.read();
    const [started] = harness.ofType(events, "agent-compaction-started");
    const [compacted] = harness.ofType(events, "agent-history-compacted");
    expect(compacted!.payload).toMatchObject({ summary: "SUMMARY: the user asked about apples.", throughOffset: started!.payload.throughOffset });
    expect(compacted!.payload.estimatedTokensAfter).toBeLessThan(compacted!.payload.estimatedTokensBefore as number);
    const summarizer = harness.llm.requests[1]!;
    expect(requestTexts(summarizer.body).join("\n")).toContain("tell me about apples");
    const last = requestTexts(harness.llm.requests[2]!.body);
    expect(last).toContain("Summary of the conversation so far:\nSUMMARY: the user asked about apples.");
    expect(last.some((t) => t.includes(long))).toBe(false);
    expect(last.at(-1)).toBe("and pears?");
    expect(events.find((e) => e.offset === first.offset)!.payload.content).toContain(long);
  });

  it("answers a tool call cut short by a restart with an error result the model sees, once, and the run goes on", async () => {
    harness = await startHarness({
      api,
      script: [
        { toolCalls: [{ name: "shell", arguments: { command: "sleep 30" } }] },
        { match: { last: "stopped" }, text: "The shell stopped; I will not retry." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "take your time" } });
    const requested = await harness.waitForEvent((e) => e.type === "agent-tool-call-started", "the tool to take the call");
    await harness.restart();
    const ended = await harness.runEnded(input.offset);
    const closed = harness.ofType(await harness.read(), "agent-tool-call-completed");
    expect(closed).toHaveLength(1);
    expect(closed[0]!.payload).toMatchObject({ callId: requested.payload.callId, isError: true, output: expect.stringMatching(/stopped|restarted/) });
    if (ended.payload.outcome === "answered") {
      // The tool's answer was stored before the agent stopped: the new agent resumes the run with it.
      expect(ended.payload).toMatchObject({ text: "The shell stopped; I will not retry.", turns: 2 });
    } else {
      // The agent stopped first: the new one closes the run, counting the one request it made.
      expect(ended.payload).toMatchObject({ outcome: "interrupted", turns: 1 });
    }
  });

  it("closes a request left open by a restart and answers an input that came while it was down", async () => {
    harness = await startHarness({
      api,
      script: [
        { match: "stall", text: "never ends", stallAfterChunks: 0 },
        { match: "are you there", text: "Answered after the restart." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "stall" } });
    await harness.waitForEvent((e) => e.type === "agent-request-started", "the request");
    await waitFor(() => harness!.llm.requests.length === 1, "the request to reach the model");
    await harness.stopAgent();
    const events = await harness.read();
    expect(harness.ofType(events, "agent-request-cancelled")[0]!.payload).toMatchObject({ reason: "the agent stopped" });
    const whileDown = await harness.append({ type: "agent-input-added", payload: { content: "are you there?" } });
    await harness.restart();
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "interrupted" });
    expect((await harness.runEnded(whileDown.offset)).payload).toMatchObject({ outcome: "answered", text: "Answered after the restart." });
  });

  it("records a failed request when the stream breaks mid-way, keeping the partial text", async () => {
    harness = await startHarness({ api, script: [{ text: "partial words then nothing", disconnectAfterChunks: 2 }] });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "break" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "failed" });
    const [failed] = harness.ofType(await harness.read(), "agent-request-failed");
    expect(failed!.payload.requestId).toBe(`${input.offset}.1`);
  });
});

describe("the agent with bad input", () => {
  it("answers an input with a bad payload with stream/error-occurred that says what to fix", async () => {
    harness = await startHarness({ api: "chat", script: [] });
    const bad = await harness.append({ type: "agent-input-added", payload: { contnet: "typo" } });
    const error = await harness.waitForEvent((e) => e.type === "stream/error-occurred", "the error event");
    expect(error.payload).toMatchObject({ processor: "agent", offset: bad.offset });
    expect(error.payload.message).toContain("content is required");
    expect(harness.llm.requests).toHaveLength(0);
  });

  it("answers a call to an unknown tool and arguments that fail the schema with error results, and continues", async () => {
    harness = await startHarness({
      api: "chat",
      script: [
        {
          toolCalls: [
            { name: "teleport", arguments: {} },
            { name: "shell", arguments: { cmd: "ls" } },
            { name: "read_file", arguments: "{not json" },
          ],
        },
        { text: "I will stop trying." },
      ],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "go" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", turns: 2 });
    const results = harness.ofType(await harness.read(), "agent-tool-call-completed").map((e) => e.payload);
    expect(results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "teleport", isError: true, output: expect.stringContaining('there is no tool named "teleport"') }),
        expect.objectContaining({ name: "shell", isError: true, output: expect.stringContaining("command: ") }),
        expect.objectContaining({ name: "read_file", isError: true, output: expect.stringContaining("not valid JSON") }),
      ]),
    );
  });

  it("stops a tool loop at the turn limit", async () => {
    harness = await startHarness({
      api: "responses",
      agent: { maxTurns: 2 },
      script: [{ repeat: true, toolCalls: [{ name: "shell", arguments: { command: "true" } }] }],
    });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "loop" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "turn-limit", turns: 2 });
    expect(harness.llm.requests).toHaveLength(2);
  });
  it("closes a run whose events the circuit breaker refused, once the stream is resumed", async () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(" ");
    harness = await startHarness({ api: "chat", script: [{ text: words }] });
    await harness.append({ type: "circuit-breaker/configured", payload: { maxEvents: 30, windowSeconds: 60 } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "talk a lot" } });
    const paused = await harness.waitForEvent((e) => e.type === "stream/paused", "the breaker to pause the stream");
    expect(paused.payload.reason).toContain("circuit-breaker");
    await harness.append({ type: "stream/resumed", payload: { reason: "seen it" } });
    const ended = await harness.runEnded(input.offset);
    // Closed either way: as interrupted (the agent gave up while the stream was paused), or as failed (its
    // failure report got in after the resume).
    expect(ended.payload.outcome === "interrupted" || ended.payload.outcome === "failed").toBe(true);
    expect(ended.payload.text).toMatch(/paused|could not store its events/);
    const closing = (await harness.read()).find((e) => e.type === "agent-request-cancelled" || e.type === "agent-request-failed");
    expect(closing!.payload.requestId).toBe(`${input.offset}.1`);
  });
});

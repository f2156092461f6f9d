import type { StoredEvent } from "@tributary/protocol";
import { describe, expect, it } from "vitest";
import { defaultAgentConfig, initialAgentState, type AgentStreamState } from "../src/agent-state.ts";
import { planActions } from "../src/plan-actions.ts";
import { reduceAgent } from "../src/reduce-agent.ts";
import { toChatMessages } from "../src/llm/chat-messages.ts";
import { toResponsesInput } from "../src/llm/responses-input.ts";

/** A stream in memory: events get dense offsets; the state is the fold of `reduceAgent`. */
function stream(config = {}) {
  const events: StoredEvent[] = [];
  let state: AgentStreamState = initialAgentState({ ...defaultAgentConfig, ...config });
  return {
    add(type: string, payload: Record<string, unknown> = {}) {
      const event: StoredEvent = { type, payload, streamPath: "/a", offset: events.length + 1, createdAt: new Date(0).toISOString() };
      events.push(event);
      state = reduceAgent(state, event);
      return event.offset;
    },
    get state() {
      return state;
    },
    plan: (dead = false) => planActions(state, { dead }).map((action) => action.kind),
  };
}

const call = (callId: string, name = "shell") => ({ callId, name, arguments: "{}" });

/** A stream whose run waits for the approval of one shell call `c1` (policy ask, timeout 1 s). */
function askedShellCall() {
  const s = stream({ defaultToolPolicy: "ask" });
  s.add("agent-tool-announced", { name: "shell", description: "bash", parameters: { type: "object" } });
  const input = s.add("agent-input-added", { content: "go" });
  s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: ["shell"] });
  s.add("agent-output-completed", { requestId: `${input}.1`, text: "", toolCalls: [call("c1")] });
  s.add("agent-tool-call-approval-requested", { callId: "c1", requestId: `${input}.1`, name: "shell", arguments: "{}", input: {}, timeoutMs: 1000 });
  return s;
}

describe("the agent loop as plain functions", () => {
  it("walks a run through window, request, tool calls, a second turn and the answer", () => {
    const s = stream();
    s.add("agent-tool-announced", { name: "shell", description: "bash", parameters: { type: "object" } });
    const input = s.add("agent-input-added", { content: "list files" });
    expect(s.plan()).toEqual(["open-window"]);
    s.add("agent-context-window-opened", { requestId: `${input}.1`, inputOffset: input, turn: 1, windowMs: 200 });
    expect(s.plan()).toEqual(["start-request"]);
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: ["shell"] });
    expect(s.plan()).toEqual(["call-model"]);
    s.add("agent-output-chunk-received", { requestId: `${input}.1`, index: 0, text: "Let me", raw: {} });
    expect(s.state.run!.partialText).toBe("Let me");
    s.add("agent-output-completed", { requestId: `${input}.1`, text: "Let me look", toolCalls: [call("c1"), call("c2", "nope")] });
    const actions = planActions(s.state);
    expect(actions.map((a) => [a.kind, a.kind === "dispatch-call" && a.known])).toEqual([
      ["dispatch-call", true],
      ["dispatch-call", false],
    ]);
    s.add("agent-tool-call-requested", { callId: "c1", requestId: `${input}.1`, name: "shell", arguments: "{}", input: {} });
    expect(s.plan()).toEqual(["dispatch-call"]);
    s.add("agent-tool-call-completed", { callId: "c1", name: "shell", output: "a.txt" });
    s.add("agent-tool-call-completed", { callId: "c1", name: "shell", output: "duplicate is ignored" });
    s.add("agent-tool-call-completed", { callId: "c2", name: "nope", output: "unknown tool", isError: true });
    expect(s.state.run).toMatchObject({ turn: 2, requestId: `${input}.2`, phase: "starting" });
    expect(s.plan()).toEqual(["open-window"]);
    s.add("agent-context-window-opened", { requestId: `${input}.2`, inputOffset: input, turn: 2, windowMs: 200 });
    s.add("agent-request-started", { requestId: `${input}.2`, inputOffset: input, turn: 2, model: "m", api: "chat", tools: [] });
    s.add("agent-output-completed", { requestId: `${input}.2`, text: "a.txt is there", toolCalls: [] });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "end-run", outcome: "answered", text: "a.txt is there", turns: 2 })]);
    s.add("agent-run-ended", { inputOffset: input, outcome: "answered", text: "a.txt is there", turns: 2 });
    expect(s.state.run).toBeUndefined();
    expect(s.state.history.map((e) => e.kind)).toEqual(["input", "assistant", "tool-result", "tool-result", "assistant"]);
    expect(s.plan()).toEqual([]);
  });

  it("renders tool results right after their calls in both wire formats", () => {
    const s = stream();
    const input = s.add("agent-input-added", { content: "hi" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-output-completed", { requestId: `${input}.1`, text: "", toolCalls: [call("c1")] });
    s.add("agent-tool-call-completed", { callId: "c1", name: "shell", output: "out" });
    expect(toChatMessages("sys", s.state.history)).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "hi" },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "shell", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: "out" },
    ]);
    expect(toResponsesInput(s.state.history)).toEqual([
      { role: "user", content: "hi" },
      { type: "function_call", call_id: "c1", name: "shell", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "out" },
    ]);
  });

  it("cancels the request in flight when a new input interrupts, then answers both inputs in one run", () => {
    const s = stream();
    const first = s.add("agent-input-added", { content: "first" });
    s.add("agent-request-started", { requestId: `${first}.1`, inputOffset: first, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-output-chunk-received", { requestId: `${first}.1`, index: 0, text: "Work", raw: {} });
    const second = s.add("agent-input-added", { content: "second" });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "cancel-request", requestId: `${first}.1`, byOffset: second })]);
    s.add("agent-request-cancelled", { requestId: `${first}.1`, reason: "interrupted", byOffset: second });
    s.add("agent-output-completed", { requestId: `${first}.1`, text: "too late", toolCalls: [] });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "end-run", outcome: "cancelled", byOffset: second })]);
    s.add("agent-run-ended", { inputOffset: first, outcome: "cancelled", turns: 1, byOffset: second });
    expect(s.state.run).toMatchObject({ inputOffset: second, phase: "starting" });
    expect(s.state.history.map((e) => [e.kind, "text" in e ? e.text : ""])).toEqual([
      ["input", "first"],
      ["assistant", "Work"],
      ["input", "second"],
    ]);
  });

  it("closes open tool calls when an input interrupts a run waiting on tools", () => {
    const s = stream();
    const first = s.add("agent-input-added", { content: "first" });
    s.add("agent-request-started", { requestId: `${first}.1`, inputOffset: first, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-output-completed", { requestId: `${first}.1`, text: "", toolCalls: [call("c1")] });
    s.add("agent-input-added", { content: "stop that" });
    expect(s.plan()).toEqual(["close-call"]);
    s.add("agent-tool-call-completed", { callId: "c1", name: "shell", output: "cancelled", isError: true });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "end-run", outcome: "cancelled" })]);
  });

  it("queues an input under the queue policy, acknowledges it, and runs it after the current run", () => {
    const s = stream({ interruptPolicy: "queue" });
    const first = s.add("agent-input-added", { content: "first" });
    s.add("agent-request-started", { requestId: `${first}.1`, inputOffset: first, turn: 1, model: "m", api: "chat", tools: [] });
    const second = s.add("agent-input-added", { content: "second" });
    expect(planActions(s.state)).toEqual([
      expect.objectContaining({ kind: "notice-queued", inputOffset: second, behindInputOffset: first }),
      expect.objectContaining({ kind: "call-model" }),
    ]);
    s.add("agent-input-queued", { inputOffset: second, behindInputOffset: first });
    s.add("agent-output-completed", { requestId: `${first}.1`, text: "one", toolCalls: [] });
    s.add("agent-run-ended", { inputOffset: first, outcome: "answered", turns: 1 });
    expect(s.state.run).toMatchObject({ inputOffset: second });
    expect(s.plan()).toEqual(["open-window"]);
  });

  it("puts context that arrived before the request into it, and later context into the next one", () => {
    const s = stream();
    const input = s.add("agent-input-added", { content: "q" });
    s.add("agent-context-window-opened", { requestId: `${input}.1`, inputOffset: input, turn: 1, windowMs: 200 });
    s.add("agent-context-added", { content: "in time", source: "rag" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-context-added", { content: "late", source: "slow" });
    expect(s.state.history.flatMap((e) => (e.kind === "context" ? [e.text] : []))).toEqual(["in time"]);
    expect(s.state.pendingContext.map((e) => e.text)).toEqual(["late"]);
  });

  it("closes a run that was in flight at a restart: cancels the request, closes calls, ends as interrupted", () => {
    const s = stream();
    const input = s.add("agent-input-added", { content: "q" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-output-completed", { requestId: `${input}.1`, text: "", toolCalls: [call("c1")] });
    s.add("agent-tool-call-requested", { callId: "c1", requestId: `${input}.1`, name: "shell", arguments: "{}", input: {} });
    expect(planActions(s.state, { dead: true })).toEqual([expect.objectContaining({ kind: "close-call", output: expect.stringContaining("restarted") })]);
    s.add("agent-tool-call-completed", { callId: "c1", name: "shell", output: "cancelled: restarted", isError: true });
    expect(planActions(s.state, { dead: true })).toEqual([expect.objectContaining({ kind: "end-run", outcome: "interrupted" })]);
  });

  it("ends a run at the turn limit", () => {
    const s = stream({ maxTurns: 1 });
    const input = s.add("agent-input-added", { content: "q" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-output-completed", { requestId: `${input}.1`, text: "", toolCalls: [call("c1")] });
    s.add("agent-tool-call-completed", { callId: "c1", name: "shell", output: "ok" });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "end-run", outcome: "turn-limit" })]);
  });

  it("compacts once past the budget, replacing older turns with the summary", () => {
    const s = stream({ compactionBudgetTokens: 100 });
    for (let i = 0; i < 3; i++) {
      const input = s.add("agent-input-added", { content: `question ${i} ${"x".repeat(200)}` });
      if (i === 2) break;
      s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: [] });
      s.add("agent-output-completed", { requestId: `${input}.1`, text: `answer ${i}`, toolCalls: [] });
      s.add("agent-run-ended", { inputOffset: input, outcome: "answered", turns: 1 });
    }
    const [action] = planActions(s.state);
    expect(action).toMatchObject({ kind: "start-compaction", requestId: "9.1", throughOffset: 7 });
    s.add("agent-compaction-started", { requestId: "9.1", throughOffset: 7, estimatedTokens: 200, budgetTokens: 100 });
    expect(s.plan()).toEqual(["summarize"]);
    s.add("agent-history-compacted", { summary: "two questions answered", throughOffset: 7, requestId: "9.1" });
    expect(s.state.history.map((e) => e.kind)).toEqual(["summary", "input"]);
    expect(s.plan()).toEqual(["open-window"]);
  });

  it("stops a run on agent-run-stop-requested: cancel, close the calls, end it stopped, then run what is queued", () => {
    const s = stream();
    const input = s.add("agent-input-added", { content: "work" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: [] });
    const queued = s.add("agent-input-added", { content: "later", policy: "queue" });
    s.add("agent-input-queued", { inputOffset: queued, behindInputOffset: input });
    s.add("agent-run-stop-requested", { reason: "Ctrl-C" });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "cancel-request", reason: "stopped: Ctrl-C" })]);
    s.add("agent-request-cancelled", { requestId: `${input}.1`, reason: "stopped: Ctrl-C" });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "end-run", outcome: "stopped", turns: 1 })]);
    s.add("agent-run-ended", { inputOffset: input, outcome: "stopped", turns: 1 });
    expect(s.state.run).toMatchObject({ inputOffset: queued, phase: "starting" });
  });

  it("lets a steering input join the run at its next turn boundary, not before", () => {
    const s = stream();
    const input = s.add("agent-input-added", { content: "list" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-output-completed", { requestId: `${input}.1`, text: "", toolCalls: [call("c1")] });
    const steer = s.add("agent-input-added", { content: "only md", policy: "steer" });
    expect(s.plan()).toEqual(["notice-steered", "dispatch-call"]);
    expect(s.state.history.map((e) => e.kind)).toEqual(["input", "assistant"]);
    s.add("agent-tool-call-completed", { callId: "c1", name: "shell", output: "a.md b.txt" });
    expect(s.state.run).toMatchObject({ inputOffset: input, turn: 2, phase: "starting" });
    expect(s.state.history.map((e) => (e.kind === "input" ? e.text : e.kind))).toEqual(["list", "assistant", "tool-result", "only md"]);
    expect(s.state.queue.map((q) => q.offset)).not.toContain(steer);
  });

  it("retries a turn once after a context-length refusal, compacting first whatever the estimate says", () => {
    const s = stream();
    const first = s.add("agent-input-added", { content: "first" });
    s.add("agent-request-started", { requestId: `${first}.1`, inputOffset: first, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-output-completed", { requestId: `${first}.1`, text: "ok", toolCalls: [] });
    s.add("agent-run-ended", { inputOffset: first, outcome: "answered", turns: 1 });
    const second = s.add("agent-input-added", { content: "second" });
    s.add("agent-request-started", { requestId: `${second}.1`, inputOffset: second, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-request-failed", { requestId: `${second}.1`, message: "too long", status: 400, code: "context_length_exceeded" });
    expect(s.state.run).toMatchObject({ phase: "starting", requestId: `${second}.1.retry`, overflowTurn: 1 });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "start-compaction", reason: "context-length", requestId: `${second}.1.retry` })]);
    s.add("agent-compaction-started", {
      requestId: `${second}.1.retry`,
      throughOffset: 4,
      estimatedTokens: 10,
      budgetTokens: 100000,
      reason: "context-length",
    });
    s.add("agent-history-compacted", { summary: "first answered", throughOffset: 4, requestId: `${second}.1.retry` });
    s.add("agent-request-started", { requestId: `${second}.1.retry`, inputOffset: second, turn: 1, model: "m", api: "chat", tools: [] });
    s.add("agent-request-failed", { requestId: `${second}.1.retry`, message: "still too long", code: "context_length_exceeded" });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "end-run", outcome: "failed", turns: 2 })]);
  });

  it("ignores events with invalid payloads and types it does not know", () => {
    const s = stream();
    const before = s.state;
    s.add("agent-input-added", { contnet: "typo" });
    s.add("hello-world");
    expect(s.state).toEqual({ ...before, lastOffset: 2 });
  });

  it("asks before a call under the ask policy, dispatches it once approved, and closes a denied one with the reason", () => {
    const s = stream();
    s.add("agent-tool-announced", { name: "shell", description: "bash", parameters: { type: "object" } });
    s.add("agent-tool-announced", { name: "read", description: "read", parameters: { type: "object" } });
    s.add("agent-tool-policy-changed", { default: "ask", tools: { read: "allow" } });
    const input = s.add("agent-input-added", { content: "go" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: ["shell", "read"] });
    s.add("agent-output-completed", { requestId: `${input}.1`, text: "", toolCalls: [call("c1"), call("c2", "read"), call("c3")] });
    expect(planActions(s.state).map((a) => [a.kind, a.key])).toEqual([
      ["request-approval", "approval:c1"],
      ["dispatch-call", "dispatch:c2"],
      ["request-approval", "approval:c3"],
    ]);
    s.add("agent-tool-call-approval-requested", { callId: "c1", requestId: `${input}.1`, name: "shell", arguments: "{}", input: {}, timeoutMs: 1000 });
    s.add("agent-tool-call-approval-requested", { callId: "c3", requestId: `${input}.1`, name: "shell", arguments: "{}", input: {}, timeoutMs: 1000 });
    s.add("agent-tool-call-requested", { callId: "c2", requestId: `${input}.1`, name: "read", arguments: "{}", input: {} });
    // Waiting for answers: only the watches, whose deadline is each request's createdAt (here the epoch) plus
    // its timeout, whenever the plan is made (a restarted agent keeps the deadline).
    expect(planActions(s.state).map((a) => a.kind === "watch-approval" && [a.key, a.deadline, a.timeoutMs])).toEqual([
      ["watch-approval:c1", 1000, 1000],
      ["watch-approval:c3", 1000, 1000],
    ]);
    s.add("agent-tool-call-approved", { callId: "c1", by: "test" });
    s.add("agent-tool-call-denied", { callId: "c1", reason: "too late: the approval counts" });
    s.add("agent-tool-call-denied", { callId: "c3", reason: "not on a Friday" });
    expect(planActions(s.state)).toEqual([
      expect.objectContaining({ kind: "dispatch-call", key: "dispatch:c1" }),
      expect.objectContaining({ kind: "close-call", key: "denied:c3", output: "error: this shell call was denied and did not run: not on a Friday" }),
    ]);
  });

  it("denies a call under the deny policy without asking, and a policy set to null falls back to the default", () => {
    const s = stream();
    s.add("agent-tool-announced", { name: "shell", description: "bash", parameters: { type: "object" } });
    s.add("agent-tool-policy-changed", { tools: { shell: "deny" } });
    const input = s.add("agent-input-added", { content: "go" });
    s.add("agent-request-started", { requestId: `${input}.1`, inputOffset: input, turn: 1, model: "m", api: "chat", tools: ["shell"] });
    s.add("agent-output-completed", { requestId: `${input}.1`, text: "", toolCalls: [call("c1"), call("c2", "unknown")] });
    expect(planActions(s.state).map((a) => [a.kind, a.key])).toEqual([
      ["deny-call", "policy-deny:c1"],
      ["dispatch-call", "dispatch:c2"],
    ]);
    s.add("agent-tool-call-denied", { callId: "c1", reason: "the policy for shell is deny", by: "agent" });
    expect(planActions(s.state)[0]).toMatchObject({
      kind: "close-call",
      output: "error: this shell call was denied and did not run: the policy for shell is deny",
    });
    s.add("agent-tool-policy-changed", { tools: { shell: null } });
    expect(s.state.config.toolPolicies).toEqual({});
    expect(s.state.config.defaultToolPolicy).toBe("allow");
  });

  it("keeps an asked call waiting while its tool is withdrawn, and dispatches it once approved and announced again (a restart)", () => {
    const s = askedShellCall();
    s.add("agent-tool-withdrawn", { name: "shell", reason: "its process stopped" });
    expect(s.plan()).toEqual(["watch-approval"]);
    s.add("agent-tool-call-approved", { callId: "c1" });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "await-tool", key: "await-tool:c1" })]);
    s.add("agent-tool-announced", { name: "shell", description: "bash", parameters: { type: "object" } });
    expect(planActions(s.state)).toEqual([expect.objectContaining({ kind: "dispatch-call", key: "dispatch:c1", known: true })]);
  });

  it("closes a call that waits for approval when an input interrupts the run", () => {
    const s = askedShellCall();
    s.add("agent-input-added", { content: "never mind" });
    expect(s.plan()).toEqual(["close-call"]);
  });
});

import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requestTexts, startHarness, type Harness } from "./support/agent-harness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const script = [
  { match: "touch", toolCalls: [{ name: "shell", arguments: { command: "touch made-it" } }] },
  { match: { last: "exit code 0" }, text: "Done." },
  { match: { last: "denied" }, text: "I was not allowed." },
];

describe("approval policies on a real agent", () => {
  it("holds an ask call until an approval event, then runs it", async () => {
    harness = await startHarness({ api: "chat", script });
    await harness.append({ type: "agent-tool-policy-changed", payload: { tools: { shell: "ask" } } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "touch a file" } });
    const asked = await harness.waitForEvent((e) => e.type === "agent-tool-call-approval-requested", "the approval request");
    expect(asked.payload).toMatchObject({ name: "shell", input: { command: "touch made-it" }, timeoutMs: 600_000 });
    // Nothing ran while it waits.
    expect(harness.ofType(await harness.read(), "agent-tool-call-requested")).toEqual([]);
    expect(existsSync(join(harness.cwd, "made-it"))).toBe(false);
    await harness.append({ type: "agent-tool-call-approved", payload: { callId: asked.payload.callId, by: "test" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "Done." });
    expect(existsSync(join(harness.cwd, "made-it"))).toBe(true);
  });

  it("tells the model the reason of a denial, and denies by itself when nobody answers in time", async () => {
    harness = await startHarness({
      api: "chat",
      script: [
        ...script,
        { match: "again", toolCalls: [{ name: "shell", arguments: { command: "touch made-it" } }] },
        { match: { last: "denied" }, text: "Timed out." },
      ],
    });
    await harness.append({ type: "agent-tool-policy-changed", payload: { default: "ask" } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "touch a file" } });
    const asked = await harness.waitForEvent((e) => e.type === "agent-tool-call-approval-requested", "the approval request");
    await harness.append({ type: "agent-tool-call-denied", payload: { callId: asked.payload.callId, reason: "not in this directory", by: "test" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "I was not allowed." });
    expect(requestTexts(harness.llm.requests[1]!.body)).toContain("error: this shell call was denied and did not run: not in this directory");
    expect(existsSync(join(harness.cwd, "made-it"))).toBe(false);

    await harness.append({ type: "agent-settings-changed", payload: { approvalTimeoutMs: 300 } });
    const second = await harness.append({ type: "agent-input-added", payload: { content: "again" } });
    const timedOut = await harness.waitForEvent((e) => e.type === "agent-tool-call-denied" && e.payload.timedOut === true, "the approval to time out");
    expect(timedOut.payload.reason).toBe("nobody approved or denied it within 300 ms (approvalTimeoutMs)");
    expect((await harness.runEnded(second.offset)).payload).toMatchObject({ outcome: "answered", text: "Timed out." });
    expect(existsSync(join(harness.cwd, "made-it"))).toBe(false);
  });

  it("denies a call under the deny policy without asking anyone", async () => {
    harness = await startHarness({ api: "chat", script, agent: { toolPolicies: { shell: "deny" } } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "touch a file" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "I was not allowed." });
    const events = await harness.read();
    expect(harness.ofType(events, "agent-tool-call-approval-requested")).toEqual([]);
    expect(harness.ofType(events, "agent-tool-call-denied")[0]!.payload).toMatchObject({ reason: "the policy for shell is deny", by: "agent" });
    expect(existsSync(join(harness.cwd, "made-it"))).toBe(false);
  });

  it("passes the stream's policies on to a sub-agent, which asks on its own stream before the same tool", async () => {
    harness = await startHarness({
      api: "chat",
      script: [
        { match: "delegate", toolCalls: [{ name: "subagent", arguments: { name: "helper", task: "make the marker" } }] },
        { match: "make the marker", toolCalls: [{ name: "shell", arguments: { command: "touch made-it" } }] },
        { match: { last: "exit code 0" }, text: "Marker made." },
        { match: { last: "Marker made." }, text: "The helper made it." },
      ],
    });
    await harness.append({ type: "agent-tool-policy-changed", payload: { tools: { shell: "ask" } } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "delegate it" } });
    const child = `${harness.path}/helper`;
    const asked = await harness.waitForEvent((e) => e.type === "agent-tool-call-approval-requested", "the sub-agent's approval request", child);
    expect(asked.payload.name).toBe("shell");
    expect(existsSync(join(harness.cwd, "made-it"))).toBe(false);
    await harness.append({ type: "agent-tool-call-approved", payload: { callId: asked.payload.callId } }, child);
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "The helper made it." });
    expect(existsSync(join(harness.cwd, "made-it"))).toBe(true);
  });
});

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../src/mock-llm/index.ts";
import { spawnCli, type Cli } from "./support/spawn-cli.ts";
import { waitFor } from "./support/wait-for.ts";

// Real `tributary agent` processes, killed for real, against a real server and the scripted model.
let server: TestServer;
let llm: MockLlm;
let cwd: string;
const spawned: Cli[] = [];
const read = async (path: string): Promise<StoredEvent[]> =>
  ((await (await fetch(`${server.url}/api/streams${path}?format=json&limit=10000`)).json()) as { events: StoredEvent[] }).events;
const append = async (path: string, event: unknown) => {
  const response = await fetch(`${server.url}/api/streams${path}?strict=true`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(event),
  });
  if (!response.ok) throw new Error(`append failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as StoredEvent;
};
const startAgentCli = async (path: string, extra: string[] = []) => {
  const agent = spawnCli(
    [
      "agent",
      path,
      "--children",
      "--base-url",
      llm.baseUrl,
      "--model",
      "mock-model",
      "--cwd",
      cwd,
      "--context-window-ms",
      "20",
      "--lease-ttl-ms",
      "1000",
      "--tool-policy",
      "shell=ask",
      ...extra,
    ],
    { TRIBUTARY_URL: server.url },
  );
  spawned.push(agent);
  await agent.waitFor(/agent running on/, 60_000); // a process start: slow on a loaded machine
  return agent;
};
const ofType = (events: StoredEvent[], type: string) => events.filter((e) => e.type === type);
const runEnded = (path: string, inputOffset: number) =>
  waitFor(async () => (await read(path)).find((e) => e.type === "agent-run-ended" && e.payload.inputOffset === inputOffset), "the run to end", 60_000);

beforeEach(async () => {
  server = await startTestServer();
  llm = await startMockLlm();
  llm.load([
    { match: "touch", toolCalls: [{ name: "shell", arguments: { command: "touch made-it" } }] },
    { match: { last: "exit code 0" }, text: "Done." },
    { match: { last: "denied" }, text: "I was not allowed." },
  ]);
  cwd = mkdtempSync(join(tmpdir(), "tributary-approval-restart-"));
});
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((p) => p.kill("SIGKILL")));
  await llm.close();
  await server.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("an approval survives an agent restart", () => {
  it("honours an approval appended while the agent was killed with SIGKILL: the same call runs, the run goes on", async () => {
    const path = "/restart/kill";
    const agent = await startAgentCli(path);
    const input = await append(path, { type: "agent-input-added", payload: { content: "touch a file" } });
    const asked = await waitFor(async () => (await read(path)).find((e) => e.type === "agent-tool-call-approval-requested"), "the approval request");
    await agent.kill("SIGKILL");
    await append(path, { type: "agent-tool-call-approved", payload: { callId: asked.payload.callId, by: "test" } });
    expect(existsSync(join(cwd, "made-it"))).toBe(false);
    await startAgentCli(path);
    expect((await runEnded(path, input.offset)).payload).toMatchObject({ outcome: "answered", text: "Done." });
    expect(existsSync(join(cwd, "made-it"))).toBe(true);
    const events = await read(path);
    expect(ofType(events, "agent-tool-call-approval-requested")).toHaveLength(1);
    expect(ofType(events, "agent-tool-call-requested").map((e) => e.payload.callId)).toEqual([asked.payload.callId]);
    expect(ofType(events, "agent-tool-call-completed")).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ callId: asked.payload.callId, isError: false }) }),
    ]);
  });

  it("keeps waiting after a SIGTERM restart for the same request, and runs the call when it is approved then", async () => {
    const path = "/restart/term";
    const agent = await startAgentCli(path);
    const input = await append(path, { type: "agent-input-added", payload: { content: "touch a file" } });
    const asked = await waitFor(async () => (await read(path)).find((e) => e.type === "agent-tool-call-approval-requested"), "the approval request");
    await agent.kill("SIGTERM");
    await startAgentCli(path);
    // The restarted agent holds the stream (its lease) and left the call waiting: nothing closed it.
    const before = await read(path);
    expect(ofType(before, "agent-lease-acquired").length).toBeGreaterThanOrEqual(2);
    expect(ofType(before, "agent-tool-call-completed")).toEqual([]);
    expect(ofType(before, "agent-run-ended")).toEqual([]);
    await append(path, { type: "agent-tool-call-approved", payload: { callId: asked.payload.callId, by: "test" } });
    expect((await runEnded(path, input.offset)).payload).toMatchObject({ outcome: "answered", text: "Done." });
    expect(existsSync(join(cwd, "made-it"))).toBe(true);
    expect(ofType(await read(path), "agent-tool-call-approval-requested")).toHaveLength(1);
  });

  it("counts the approval timeout from the request's createdAt: a request that expired while the agent was down is denied at the restart", async () => {
    const path = "/restart/timeout";
    const agent = await startAgentCli(path, ["--approval-timeout-ms", "1000"]);
    const input = await append(path, { type: "agent-input-added", payload: { content: "touch a file" } });
    const asked = await waitFor(async () => (await read(path)).find((e) => e.type === "agent-tool-call-approval-requested"), "the approval request");
    await agent.kill("SIGKILL");
    // The clock (not an assertion on it): wait until the request's deadline has passed while nobody runs.
    const deadline = Date.parse(asked.createdAt) + 1000;
    await waitFor(() => Date.now() > deadline + 50, "the approval's deadline to pass", 10_000);
    await startAgentCli(path, ["--approval-timeout-ms", "1000"]);
    expect((await runEnded(path, input.offset)).payload).toMatchObject({ outcome: "answered", text: "I was not allowed." });
    const events = await read(path);
    expect(ofType(events, "agent-tool-call-denied").map((e) => e.payload)).toEqual([expect.objectContaining({ callId: asked.payload.callId, timedOut: true })]);
    expect(ofType(events, "agent-tool-call-approval-requested")).toHaveLength(1);
    expect(existsSync(join(cwd, "made-it"))).toBe(false);
  });
});

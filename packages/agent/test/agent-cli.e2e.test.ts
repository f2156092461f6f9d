import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../src/mock-llm/index.ts";
import { mcpTestServerFile } from "./support/mcp-test-server.ts";
import { spawnCli, tributaryBin, type Cli } from "./support/spawn-cli.ts";
import { waitFor } from "./support/wait-for.ts";

let server: TestServer;
let llm: MockLlm;
let cwd: string;
const spawned: Cli[] = [];
const cli = (args: string[], env: Record<string, string> = {}) => {
  const process = spawnCli(args, { TRIBUTARY_URL: server.url, ...env });
  spawned.push(process);
  return process;
};
const read = async (path: string): Promise<StoredEvent[]> =>
  ((await (await fetch(`${server.url}/api/streams${path}?format=json&limit=10000`)).json()) as { events: StoredEvent[] }).events;
const append = async (path: string, event: unknown) =>
  (await (
    await fetch(`${server.url}/api/streams${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) })
  ).json()) as StoredEvent;
const startAgentCli = async (path: string, extra: string[] = []) => {
  const agent = cli([
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
    ...extra,
  ]);
  await agent.waitFor(/agent running on/, 60_000); // a process start: slow on a loaded machine
  return agent;
};

beforeEach(async () => {
  server = await startTestServer();
  llm = await startMockLlm();
  cwd = mkdtempSync(join(tmpdir(), "tributary-agent-cli-"));
  writeFileSync(join(cwd, "hello.txt"), "hi\n");
});
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((p) => p.kill("SIGKILL")));
  await llm.close();
  await server.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("tributary mock-llm", () => {
  it("serves a scripted reply from a YAML file to the openai SDK, and rejects a bad script with exit code 2", async () => {
    const script = join(cwd, "script.yaml");
    writeFileSync(script, "turns:\n  - text: scripted hello\n");
    const mock = cli(["mock-llm", "--port", "0", "--script", script]);
    const [, baseUrl] = (await mock.waitFor(/OPENAI_BASE_URL=(\S+)/)) as unknown as [string, string];
    const openai = new OpenAI({ baseURL: baseUrl, apiKey: "x" });
    const completion = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("scripted hello");
    await mock.waitFor(/#1 chat model=m turn=0/);
    writeFileSync(script, "turns: [{ text: 1, bogus: true }]");
    const bad = cli(["mock-llm", "--port", "0", "--script", script]);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/--script .*bogus/);
  });
});

describe("tributary agent and tributary chat", () => {
  it("answers piped chat lines through the agent process, showing the streamed text, tool calls and results", async () => {
    llm.load([
      { match: "list", text: "Let me look.", toolCalls: [{ name: "shell", arguments: { command: "ls" } }] },
      { match: { last: "hello.txt" }, text: "There is hello.txt." },
      { match: "thanks", text: "You are welcome." },
    ]);
    await startAgentCli("/cli/agent");
    const chat = cli(["chat", "/cli/agent"]);
    chat.child.stdin!.end("list the files\nthanks\n");
    expect(await chat.exited).toBe(0);
    expect(chat.output()).toContain(
      'agent: Let me look.\n  ⚙ shell {"command":"ls"}\n  ↳ exit code 0 ⏎ hello.txt\nagent: There is hello.txt.\nagent: You are welcome.\n',
    );
    const types = (await read("/cli/agent")).map((e) => e.type);
    expect(types.filter((t) => t === "agent-run-ended")).toHaveLength(2);
  });

  it("closes a tool call left open when the agent process is killed with SIGKILL, once it is started again", async () => {
    llm.load([{ toolCalls: [{ name: "shell", arguments: { command: "sleep 60" } }] }]);
    const agent = await startAgentCli("/cli/crash");
    const input = await append("/cli/crash", { type: "agent-input-added", payload: { content: "slow work" } });
    await waitFor(async () => (await read("/cli/crash")).some((e) => e.type === "agent-tool-call-requested"), "the tool call");
    await agent.kill("SIGKILL");
    expect((await read("/cli/crash")).some((e) => e.type === "agent-tool-call-completed")).toBe(false);
    await startAgentCli("/cli/crash");
    const events = await waitFor(async () => {
      const all = await read("/cli/crash");
      return all.some((e) => e.type === "agent-run-ended") && all;
    }, "the run to be closed");
    // Closed once, with an error: by the restarted agent, or by the restarted tool process answering the call
    // its predecessor left open (whichever comes first; both are the documented closing). The tool process
    // says the call ran when its predecessor had started it (`sleep 60` here, once it got that far), and that
    // no process served the tool when it had not.
    const completions = events.filter((e) => e.type === "agent-tool-call-completed");
    expect(completions).toHaveLength(1);
    expect(completions[0]!.payload).toMatchObject({
      isError: true,
      output: expect.stringMatching(/restarted|no process served the tool|process stopped while it ran this call/),
    });
    expect(events.find((e) => e.type === "agent-run-ended")!.payload).toMatchObject({ inputOffset: input.offset, outcome: "interrupted" });
  });

  it("refuses bad flags and an unreachable server with a message that says what to fix", async () => {
    // Spawned together: each is a separate process, and none depends on another.
    const noPath = cli(["agent"]);
    const badApi = cli(["agent", "/a", "--api", "soap"]);
    const badPath = cli(["chat", "/a//b"]);
    const unreachable = cli(["chat", "/a"], { TRIBUTARY_URL: "http://127.0.0.1:9" });
    unreachable.child.stdin!.end();
    expect(await noPath.exited).toBe(2);
    expect(noPath.output()).toContain("give exactly one stream path");
    expect(await badApi.exited).toBe(2);
    expect(badApi.output()).toContain("--api must be chat or responses");
    expect(await badPath.exited).toBe(2);
    expect(badPath.output()).toContain("empty segment");
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.output()).toContain("tributary serve");
  });
});

describe("tributary agent --mcp and approvals in tributary chat", () => {
  it("uses a stdio MCP server's tool and asks y/n in the chat before each call; a denial's reason reaches the model", async () => {
    llm.load([
      { match: "repeat", toolCalls: [{ name: "testmcp__echo", arguments: { text: "from chat" } }] },
      { match: { last: "echo from stdio: from chat" }, text: "Echoed." },
      { match: "again", toolCalls: [{ name: "testmcp__echo", arguments: { text: "twice" } }] },
      { match: { last: "denied" }, text: "Not allowed then." },
    ]);
    const agent = await startAgentCli("/cli/mcp", ["--mcp", `testmcp=${process.execPath} ${mcpTestServerFile}`, "--tool-policy", "testmcp__echo=ask"]);
    await agent.waitFor(/mcp: {3}testmcp \(stdio\)/);
    await waitFor(async () => (await read("/cli/mcp")).some((e) => e.type === "agent-mcp-server-connected"), "the MCP server to connect");
    const chat = cli(["chat", "/cli/mcp"]);
    chat.child.stdin!.end("repeat this\ny\nagain\nn not today\n");
    expect(await chat.exited).toBe(0);
    const output = chat.output();
    expect(output).toContain('  ? testmcp__echo {"text":"from chat"} waits for approval');
    expect(output).toContain("  ✓ approved by tributary chat\n  ↳ echo from stdio: from chat\nagent: Echoed.\n");
    expect(output).toContain("  ✗ denied by tributary chat: not today\n");
    expect(output).toContain("agent: Not allowed then.\n");
    const events = await read("/cli/mcp");
    expect(events.filter((e) => e.type === "agent-tool-call-approval-requested")).toHaveLength(2);
    expect(events.find((e) => e.type === "agent-tool-call-denied")!.payload).toMatchObject({ reason: "not today", by: "tributary chat" });
    expect(JSON.stringify(llm.requests.at(-1)!.body)).toContain("denied and did not run: not today");
    // Stopping the agent stops the server and withdraws its tools.
    await agent.kill("SIGTERM");
    const after = await read("/cli/mcp");
    expect(after.filter((e) => e.type === "agent-mcp-server-disconnected").map((e) => e.payload)).toEqual([{ name: "testmcp", reason: "the agent stopped" }]);
    expect(after.some((e) => e.type === "agent-tool-withdrawn" && e.payload.name === "testmcp__echo")).toBe(true);
  });

  it("shows a sub-agent's approval request in a chat on the parent stream, and appends the answer to the sub-agent's stream", async () => {
    llm.load([
      { match: "delegate", toolCalls: [{ name: "subagent", arguments: { name: "helper", task: "make the marker" } }] },
      { match: "make the marker", toolCalls: [{ name: "shell", arguments: { command: "touch made-it" } }] },
      { match: { last: "exit code 0" }, text: "Marker made." },
      { match: { last: "Marker made." }, text: "The helper made it." },
    ]);
    await startAgentCli("/cli/parent", ["--tool-policy", "shell=ask"]);
    const chat = cli(["chat", "/cli/parent"]);
    chat.child.stdin!.end("delegate it\ny\n");
    expect(await chat.exited).toBe(0);
    const output = chat.output();
    expect(output).toContain('  ? helper: shell {"command":"touch made-it"} waits for approval');
    expect(output).toContain("  ✓ helper: approved by tributary chat\n");
    expect(output).toContain("agent: The helper made it.\n");
    expect(existsSync(join(cwd, "made-it"))).toBe(true);
    const child = await read("/cli/parent/helper");
    expect(child.filter((e) => e.type === "agent-tool-call-approved").map((e) => e.payload)).toEqual([expect.objectContaining({ by: "tributary chat" })]);
    expect((await read("/cli/parent")).some((e) => e.type === "agent-tool-call-approved")).toBe(false);
  });

  it("exits 3 when piped input ends while a call waits for approval, and leaves the call waiting for another answer", async () => {
    llm.load([
      { match: "touch", toolCalls: [{ name: "shell", arguments: { command: "touch made-it" } }] },
      { match: { last: "exit code 0" }, text: "Done." },
    ]);
    await startAgentCli("/cli/eof", ["--tool-policy", "shell=ask"]);
    const chat = cli(["chat", "/cli/eof"]);
    chat.child.stdin!.end("touch a file\n");
    expect(await chat.exited).toBe(3);
    expect(chat.output()).toContain("the input ended while shell waits for approval; the call stays waiting");
    const events = await read("/cli/eof");
    const asked = events.find((e) => e.type === "agent-tool-call-approval-requested")!;
    expect(events.some((e) => e.type === "agent-tool-call-denied" || e.type === "agent-tool-call-completed")).toBe(false);
    // Still waiting: an answer from anywhere else runs it.
    await append("/cli/eof", { type: "agent-tool-call-approved", payload: { callId: asked.payload.callId, by: "test" } });
    const ended = await waitFor(async () => (await read("/cli/eof")).find((e) => e.type === "agent-run-ended"), "the run to end");
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "Done." });
    expect(existsSync(join(cwd, "made-it"))).toBe(true);
  });

  it("refuses a bad --tool-policy and a bad --mcp with a message that says what to fix", async () => {
    const badPolicy = cli(["agent", "/a", "--tool-policy", "shell=maybe"]);
    const badMcp = cli(["agent", "/a", "--mcp", "name='unclosed"]);
    expect(await badPolicy.exited).toBe(2);
    expect(badPolicy.output()).toContain("--tool-policy takes <tool>=<allow|ask|deny>");
    expect(await badMcp.exited).toBe(2);
    expect(badMcp.output()).toContain("--mcp: unclosed ' in 'unclosed");
  });
});

describe("tributary chat exit codes", () => {
  it("exits 1 when the last answer failed, and says why", async () => {
    llm.load([{ match: "boom", error: { status: 400, message: "the model refuses", type: "invalid_request_error" } }]);
    await startAgentCli("/cli/fail");
    const chat = cli(["chat", "/cli/fail"]);
    chat.child.stdin!.end("boom\n");
    expect(await chat.exited).toBe(1);
    expect(chat.output()).toContain("the model request failed");
  });
});

describe("tributary chat in a real terminal", () => {
  it("shows the conversation so far, queues a line typed during an answer, stops the answer on Ctrl-C, quits on the next (tmux)", async () => {
    llm.load([
      { match: "earlier", text: "Earlier answer." },
      { match: "slow", text: "This answer takes forever to finish", stallAfterChunks: 2 },
      { match: "next", text: "Next answer." },
    ]);
    await startAgentCli("/cli/ctrl-c");
    const earlier = await append("/cli/ctrl-c", { type: "agent-input-added", payload: { content: "earlier question" } });
    await waitFor(
      async () => (await read("/cli/ctrl-c")).some((e) => e.type === "agent-run-ended" && e.payload.inputOffset === earlier.offset),
      "the earlier answer",
      30_000,
    );
    const session = `tributary-chat-${process.pid}-${Date.now()}`;
    const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
    const command = `TRIBUTARY_URL=${server.url} NO_COLOR=1 ${process.execPath} ${tributaryBin} chat /cli/ctrl-c`;
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", command);
    const screen = () => tmux("capture-pane", "-t", session, "-p");
    const alive = () => {
      try {
        tmux("has-session", "-t", session);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await waitFor(() => /> earlier question\nagent: Earlier answer\.\n>/.test(screen()), "the conversation so far, then the prompt", 30_000);
      tmux("send-keys", "-t", session, "slow please", "Enter");
      await waitFor(() => /agent: This answer/.test(screen()), "the slow answer to start", 30_000);
      tmux("send-keys", "-t", session, "next please", "Enter");
      await waitFor(() => /↳ queued: next please/.test(screen()), "the typed line shown as queued", 30_000);
      expect(screen()).not.toMatch(/agent: This answer[^\n]*next please/); // not echoed into the answer
      tmux("send-keys", "-t", session, "C-c");
      await waitFor(() => /⏹ stopping the answer/.test(screen()), "the stop note", 30_000);
      const events = await waitFor(
        async () => {
          const all = await read("/cli/ctrl-c");
          return all.some((e) => e.type === "agent-run-ended" && e.payload.outcome === "stopped") ? all : undefined;
        },
        "the slow run to end stopped",
        30_000,
      );
      expect(events.filter((e) => e.type === "agent-run-stop-requested")).toHaveLength(1);
      await waitFor(() => /agent: Next answer\.\n>/.test(screen()), "the queued line answered after the stop", 30_000);
      expect(alive()).toBe(true);
      tmux("send-keys", "-t", session, "C-c");
      await waitFor(() => !alive(), "a Ctrl-C with nothing running to quit", 30_000);
    } finally {
      if (alive()) tmux("kill-session", "-t", session);
    }
  }, 120_000);

  it("asks approve …? [y/n] for a call that waits, runs it on y, re-asks on anything else, denies with a reason on n (tmux)", async () => {
    llm.load([
      { match: "touch", toolCalls: [{ name: "shell", arguments: { command: "touch approved-in-tty" } }] },
      { match: { last: "exit code 0" }, text: "Touched." },
      { match: "again", toolCalls: [{ name: "shell", arguments: { command: "touch denied-in-tty" } }] },
      { match: { last: "denied" }, text: "Not allowed." },
    ]);
    await startAgentCli("/cli/tty-approve", ["--tool-policy", "shell=ask"]);
    const session = `tributary-chat-${process.pid}-${Date.now()}`;
    const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
    const command = `TRIBUTARY_URL=${server.url} NO_COLOR=1 ${process.execPath} ${tributaryBin} chat /cli/tty-approve`;
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "30", command);
    try {
      const screen = () => tmux("capture-pane", "-t", session, "-p");
      await waitFor(() => /Chatting with \/cli\/tty-approve/.test(screen()), "the chat banner");
      tmux("send-keys", "-t", session, "touch it", "Enter");
      await waitFor(
        () => /\? shell \{"command":"touch approved-in-tty"\} waits for approval[^\n]*\napprove shell\? \[y\/n\]\s*$/.test(screen().trimEnd() + " "),
        "the approval prompt",
      );
      tmux("send-keys", "-t", session, "y", "Enter");
      await waitFor(
        () => /✓ approved by tributary chat\n[^\n]*exit code 0\nagent: Touched\.\n>\s*$/.test(screen().trimEnd()),
        "the approved call's result, the answer and the prompt",
        30_000,
      );
      expect(existsSync(join(cwd, "approved-in-tty"))).toBe(true);
      tmux("send-keys", "-t", session, "again", "Enter");
      await waitFor(() => (screen().match(/approve shell\? \[y\/n\]/g) ?? []).length === 2, "the second approval prompt");
      tmux("send-keys", "-t", session, "maybe", "Enter");
      await waitFor(
        () => /answer y to run shell, or n \(with a reason after it\) to deny it\napprove shell\? \[y\/n\]\s*$/.test(screen().trimEnd() + " "),
        "the question asked again",
      );
      tmux("send-keys", "-t", session, "n not this one", "Enter");
      await waitFor(
        () => /✗ denied by tributary chat: not this one\n[^\n]*\nagent: Not allowed\.\n>\s*$/.test(screen().trimEnd()),
        "the denial, the answer and the prompt",
        30_000,
      );
      expect(existsSync(join(cwd, "denied-in-tty"))).toBe(false);
    } finally {
      tmux("kill-session", "-t", session);
    }
  }, 120_000);

  it("streams the answer under the typed line, shows the prompt again, and quits on Ctrl-C (tmux)", async () => {
    llm.load([
      { match: "hello", text: "Hello from the terminal.", chunkDelayMs: 20 },
      { match: "bye", text: "Bye." },
    ]);
    await startAgentCli("/cli/tty");
    const session = `tributary-chat-${process.pid}-${Date.now()}`;
    const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
    const command = `TRIBUTARY_URL=${server.url} NO_COLOR=1 ${process.execPath} ${tributaryBin} chat /cli/tty`;
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "20", command);
    try {
      const screen = () => tmux("capture-pane", "-t", session, "-p");
      await waitFor(() => /Chatting with \/cli\/tty/.test(screen()), "the chat banner");
      tmux("send-keys", "-t", session, "hello agent", "Enter");
      // The prompt comes back once the run has ended; typing before that would interrupt the answer.
      await waitFor(() => /Hello from the terminal\.\n>\s*$/.test(screen().trimEnd()), "the prompt after the answer");
      tmux("send-keys", "-t", session, "bye", "Enter");
      const final = await waitFor(() => (/agent: Bye\.\n>\s*$/.test(screen().trimEnd()) ? screen() : undefined), "the second answer and the prompt");
      expect(
        final
          .split("\n")
          .map((line) => line.trimEnd())
          .filter((line) => line !== ""),
      ).toEqual([expect.stringContaining("Chatting with /cli/tty"), "> hello agent", "agent: Hello from the terminal.", "> bye", "agent: Bye.", ">"]);
      tmux("send-keys", "-t", session, "C-c");
      const alive = () => {
        try {
          tmux("has-session", "-t", session);
          return true;
        } catch {
          return false;
        }
      };
      await waitFor(() => !alive(), "Ctrl-C to end the chat (and with it the tmux session)");
    } finally {
      try {
        tmux("kill-session", "-t", session);
      } catch {
        // already gone: the chat ended
      }
    }
  });
});

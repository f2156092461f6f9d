import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requestTexts, startHarness, type Harness } from "./support/agent-harness.ts";
import { mcpTestServerFile, startMcpHttpServer } from "./support/mcp-test-server.ts";

let harness: Harness | undefined;
let http: Awaited<ReturnType<typeof startMcpHttpServer>> | undefined;
afterEach(async () => {
  await harness?.close();
  await http?.close();
  harness = undefined;
  http = undefined;
});

const stdioServer = (name = "testmcp") => ({ name, command: process.execPath, args: [mcpTestServerFile] });

describe("MCP servers' tools as agent tools", () => {
  it("offers a stdio server's tools with their schemas, answers a call through the server, and records its stderr", async () => {
    harness = await startHarness({
      api: "chat",
      mcp: { servers: [stdioServer()] },
      script: [
        { match: "repeat", toolCalls: [{ name: "testmcp__echo", arguments: { text: "hi there" } }] },
        { match: { last: "echo from stdio: hi there" }, text: "The MCP server said hi there." },
      ],
    });
    const connected = await harness.waitForEvent((e) => e.type === "agent-mcp-server-connected", "the MCP server to connect");
    expect(connected.payload).toMatchObject({
      name: "testmcp",
      transport: "stdio",
      tools: ["testmcp__echo", "testmcp__add", "testmcp__fail", "testmcp__add_tool", "testmcp__remove_tool", "testmcp__exit"],
      server: "tributary-test-mcp 1.0.0",
    });
    const announced = harness.ofType(await harness.read(), "agent-tool-announced").find((e) => e.payload.name === "testmcp__echo")!;
    expect(announced.payload).toMatchObject({
      description: "Repeats the text.",
      acknowledges: true,
      parameters: { type: "object", properties: { text: { type: "string", description: "What to repeat." } }, required: ["text"] },
    });

    const input = await harness.append({ type: "agent-input-added", payload: { content: "repeat after me" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "The MCP server said hi there.", turns: 2 });
    const events = await harness.read();
    const [completed] = harness.ofType(events, "agent-tool-call-completed");
    expect(completed!.payload).toMatchObject({ name: "testmcp__echo", output: "echo from stdio: hi there", isError: false });
    expect(harness.ofType(events, "agent-tool-call-started")).toHaveLength(1);
    expect(harness.llm.requests[0]!.summary.tools).toEqual(expect.arrayContaining(["testmcp__echo", "testmcp__add", "shell"]));
    expect(requestTexts(harness.llm.requests[1]!.body)).toContain("echo from stdio: hi there");
    // The server's stderr (its start-up line and its log of the call) are events on the stream.
    const stderr = await harness.waitForEvent(
      (e) => e.type === "agent-mcp-server-stderr" && String(e.payload.text).includes("echo hi there"),
      "the call's stderr line",
    );
    expect(stderr.payload.name).toBe("testmcp");
    expect(
      harness
        .ofType(events, "agent-mcp-server-stderr")
        .map((e) => e.payload.text)
        .join(""),
    ).toContain("mcp-test-server: ready on stdio");
  });

  it("gives an MCP error result to the model as an error, and withdraws the tools when the server's process dies mid-call", async () => {
    harness = await startHarness({
      api: "chat",
      mcp: { servers: [stdioServer()] },
      script: [
        { match: "fail", toolCalls: [{ name: "testmcp__fail", arguments: {} }] },
        { match: { last: "it failed on purpose" }, text: "It failed." },
        { match: "exit", toolCalls: [{ name: "testmcp__exit", arguments: {} }] },
        { match: { last: "testmcp__exit" }, text: "The server is gone." },
        { match: "again", toolCalls: [{ name: "testmcp__add", arguments: { a: 2, b: 3 } }] },
        { match: { last: "/^5$/" }, text: "2 + 3 = 5" },
      ],
    });
    await harness.waitForEvent((e) => e.type === "agent-mcp-server-connected", "the MCP server to connect");
    const failing = await harness.append({ type: "agent-input-added", payload: { content: "fail please" } });
    await harness.runEnded(failing.offset);
    const failed = harness.ofType(await harness.read(), "agent-tool-call-completed").find((e) => e.payload.name === "testmcp__fail")!;
    expect(failed.payload).toMatchObject({ output: "it failed on purpose", isError: true });

    const exiting = await harness.append({ type: "agent-input-added", payload: { content: "exit please" } });
    const ended = await harness.runEnded(exiting.offset);
    expect(ended.payload.outcome).toBe("answered");
    const events = await harness.read();
    const exitResult = harness.ofType(events, "agent-tool-call-completed").find((e) => e.payload.name === "testmcp__exit")!;
    expect(exitResult.payload.isError).toBe(true);
    expect(String(exitResult.payload.output)).toMatch(/^error: testmcp__exit failed: /);
    const gone = await harness.waitForEvent((e) => e.type === "agent-mcp-server-disconnected", "the server to be reported gone");
    expect(gone.payload).toEqual({ name: "testmcp", reason: "the server's process exited" });
    await harness.waitForEvent((e) => e.type === "agent-tool-withdrawn" && e.payload.name === "testmcp__add", "its tools to be withdrawn");
    expect(
      harness
        .ofType(await harness.read(), "agent-mcp-server-stderr")
        .map((e) => e.payload.text)
        .join(""),
    ).toContain("exiting on request");

    // It connects again by itself: a new process, its tools announced again, a call answered.
    await harness.waitForEvent((e) => e.type === "agent-mcp-server-connected" && e.offset > gone.offset, "the server to be connected again");
    const again = await harness.append({ type: "agent-input-added", payload: { content: "again" } });
    const third = await harness.runEnded(again.offset);
    expect(third.payload).toMatchObject({ outcome: "answered", text: "2 + 3 = 5" });
    expect(harness.ofType(await harness.read(), "agent-mcp-server-connected")).toHaveLength(2);
  });

  it("announces the tools a server adds while it runs and withdraws the ones it removes", async () => {
    harness = await startHarness({
      api: "chat",
      mcp: { servers: [stdioServer()] },
      script: [
        { match: "add", toolCalls: [{ name: "testmcp__add_tool", arguments: { name: "greet", greeting: "hello there" } }] },
        { match: { last: "added greet" }, text: "Added." },
        { match: "greet", toolCalls: [{ name: "testmcp__greet", arguments: {} }] },
        { match: { last: "hello there" }, text: "It said hello there." },
        { match: "remove", toolCalls: [{ name: "testmcp__remove_tool", arguments: { name: "echo" } }] },
        { match: { last: "removed echo" }, text: "Removed." },
      ],
    });
    await harness.waitForEvent((e) => e.type === "agent-mcp-server-connected", "the MCP server to connect");
    const adding = await harness.append({ type: "agent-input-added", payload: { content: "add a tool" } });
    await harness.runEnded(adding.offset);
    const announced = await harness.waitForEvent(
      (e) => e.type === "agent-tool-announced" && e.payload.name === "testmcp__greet",
      "the new tool to be announced",
    );
    expect(announced.payload.description).toBe("Says hello there.");
    const greeting = await harness.append({ type: "agent-input-added", payload: { content: "greet me" } });
    expect((await harness.runEnded(greeting.offset)).payload).toMatchObject({ outcome: "answered", text: "It said hello there." });
    const removing = await harness.append({ type: "agent-input-added", payload: { content: "remove echo" } });
    await harness.runEnded(removing.offset);
    const withdrawn = await harness.waitForEvent(
      (e) => e.type === "agent-tool-withdrawn" && e.payload.name === "testmcp__echo",
      "the removed tool to be withdrawn",
    );
    expect(withdrawn.payload.reason).toBe("its MCP server no longer offers it");
    expect(harness.ofType(await harness.read(), "agent-mcp-server-connected")).toHaveLength(1);
  });

  it("connects to a streamable HTTP server an event asks for by an allowed name, and withdraws its tools when it stops", async () => {
    http = await startMcpHttpServer();
    harness = await startHarness({
      api: "chat",
      mcp: { allow: [{ name: "web", url: http.url }] },
      script: [
        { match: "add", toolCalls: [{ name: "web__add", arguments: { a: 40, b: 2 } }] },
        { match: { last: "42" }, text: "It is 42." },
      ],
    });
    await harness.append({ type: "agent-mcp-servers-configured", payload: { servers: [{ name: "web" }] } });
    const connected = await harness.waitForEvent((e) => e.type === "agent-mcp-server-connected", "the HTTP MCP server to connect");
    expect(connected.payload).toMatchObject({ name: "web", transport: "http", tools: expect.arrayContaining(["web__add", "web__echo"]) });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "add them" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "It is 42." });
    expect(harness.ofType(await harness.read(), "agent-tool-call-completed")[0]!.payload).toMatchObject({ name: "web__add", output: "42", isError: false });

    await http.close();
    http = undefined;
    const gone = await harness.waitForEvent((e) => e.type === "agent-mcp-server-disconnected", "the HTTP server to be reported gone");
    expect(gone.payload.name).toBe("web");
    await harness.waitForEvent((e) => e.type === "agent-tool-withdrawn" && e.payload.name === "web__add", "its tools to be withdrawn");
  });

  it("passes a stream's event-configured servers on to a sub-agent, which calls their tools on its own stream", async () => {
    harness = await startHarness({
      api: "chat",
      mcp: { allow: [stdioServer("allowed")] },
      script: [
        { match: "delegate", toolCalls: [{ name: "subagent", arguments: { name: "helper", task: "echo for me" } }] },
        { match: "echo for me", toolCalls: [{ name: "allowed__echo", arguments: { text: "from the child" } }] },
        // The child's server may still be starting when its first request goes out (nothing waits for it): once more then.
        { match: { last: "there is no tool named" }, toolCalls: [{ name: "allowed__echo", arguments: { text: "from the child" } }] },
        { match: { last: "echo from stdio: from the child" }, text: "Child echoed." },
        { match: { last: "Child echoed." }, text: "The helper echoed." },
      ],
    });
    await harness.append({ type: "agent-mcp-servers-configured", payload: { servers: [{ name: "allowed" }] } });
    await harness.waitForEvent((e) => e.type === "agent-mcp-server-connected", "the server to connect on the parent");
    const input = await harness.append({ type: "agent-input-added", payload: { content: "delegate it" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "The helper echoed." });
    const child = await harness.read(`${harness.path}/helper`);
    expect(harness.ofType(child, "agent-mcp-servers-configured").map((e) => e.payload)).toEqual([{ servers: [{ name: "allowed" }] }]);
    expect(harness.ofType(child, "agent-tool-call-completed").at(-1)!.payload).toMatchObject({
      name: "allowed__echo",
      output: "echo from stdio: from the child",
      isError: false,
    });
    expect(harness.ofType(child, "agent-mcp-server-connected")[0]!.payload).toMatchObject({ name: "allowed" });
  });

  it("refuses a server an event names that the operator did not allow, and starts nothing", async () => {
    harness = await startHarness({ api: "chat", mcp: { allow: [stdioServer("allowed")] }, script: [{ text: "ok" }] });
    const marker = join(harness.cwd, "pwned");
    await harness.append({
      type: "agent-mcp-servers-configured",
      payload: { servers: [{ name: "evil", command: "touch", args: [marker] }, { name: "unknown" }, { name: "web", url: "http://169.254.169.254/mcp" }] },
    });
    const refusals = await harness.waitForEvent((e) => e.type === "agent-mcp-server-failed" && e.payload.name === "web", "the last refusal");
    const failed = harness.ofType(await harness.read(), "agent-mcp-server-failed");
    expect(failed.map((e) => [e.payload.name, e.payload.refused])).toEqual([
      ["evil", true],
      ["unknown", true],
      ["web", true],
    ]);
    expect(String(failed[0]!.payload.message)).toContain("is not an MCP server the operator allowed");
    expect(String(failed[1]!.payload.message)).toContain("no MCP server named unknown is allowed (allowed: allowed;");
    expect(refusals.payload.refused).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(harness.ofType(await harness.read(), "agent-mcp-server-connected")).toEqual([]);

    // The same command as the allowed one, under another name, is the allowed server.
    await harness.append({ type: "agent-mcp-servers-configured", payload: { servers: [{ ...stdioServer("mine") }] } });
    const connected = await harness.waitForEvent((e) => e.type === "agent-mcp-server-connected", "the allowed server to connect");
    expect(connected.payload).toMatchObject({ name: "mine", tools: expect.arrayContaining(["mine__echo"]) });
    // An empty list takes the tools away again.
    await harness.append({ type: "agent-mcp-servers-configured", payload: { servers: [] } });
    await harness.waitForEvent((e) => e.type === "agent-tool-withdrawn" && e.payload.name === "mine__echo", "the tools to be withdrawn");
  });
});

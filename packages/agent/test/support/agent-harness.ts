import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import type { Api } from "../../src/events.ts";
import { startMockLlm, type MockLlm, type MockScriptInput } from "../../src/mock-llm/index.ts";
import { startAgent, type RunningAgent, type StartAgentOptions } from "../../src/start-agent.ts";
import { waitFor } from "./wait-for.ts";

let counter = 0;

/**
 * A real Tributary server, a real mock-llm, and the agent with its tools running against both, on a fresh
 * stream per test. Everything over real HTTP.
 */
export async function startHarness(options: {
  api: Api;
  script: MockScriptInput;
  agent?: StartAgentOptions["agent"];
  shell?: StartAgentOptions["shell"];
  mcp?: StartAgentOptions["mcp"];
}) {
  let server: TestServer = await startTestServer({ keepDataDir: true });
  const llm: MockLlm = await startMockLlm({ script: options.script });
  const cwd = mkdtempSync(join(tmpdir(), "tributary-agent-cwd-"));
  const path = `/agents/t${++counter}`;
  const url = server.url;
  const start = () =>
    startAgent({
      baseUrl: url,
      path,
      children: true,
      cwd,
      shell: options.shell,
      ...(options.mcp ? { mcp: options.mcp } : {}),
      agent: {
        model: "mock-model",
        baseUrl: llm.baseUrl,
        api: options.api,
        apiKey: "sk-test",
        maxRetries: 0,
        contextWindowMs: 20,
        systemPrompt: "You are a test agent.",
        ...options.agent,
      },
    });
  let agent: RunningAgent = await start();

  const read = async (streamPath = path): Promise<StoredEvent[]> => {
    // Once more on a dropped connection: after a server restart, the first request may reuse a dead keep-alive socket.
    const get = () => fetch(`${url}/api/streams${streamPath}?format=json&limit=10000`);
    const response = await get().catch(get);
    if (response.status === 404) return [];
    return ((await response.json()) as { events: StoredEvent[] }).events;
  };
  const append = async (event: { type: string; payload?: Record<string, unknown> }, streamPath = path): Promise<StoredEvent> => {
    const response = await fetch(`${url}/api/streams${streamPath}?strict=true`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
    });
    if (!response.ok) throw new Error(`append failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as StoredEvent;
  };
  // 30 s: generous for a loaded CI machine; a passing test never waits that long.
  const waitForEvent = (predicate: (event: StoredEvent) => boolean, what: string, streamPath = path) =>
    waitFor(async () => (await read(streamPath)).find(predicate), what, 30_000);
  const ofType = (events: StoredEvent[], type: string) => events.filter((event) => event.type === type);

  return {
    get server() {
      return server;
    },
    url,
    llm,
    cwd,
    path,
    read,
    append,
    waitForEvent,
    ofType,
    /** Waits for the run of an input to end and returns the `agent-run-ended` event. */
    runEnded: (inputOffset: number, streamPath = path) =>
      waitForEvent((e) => e.type === "agent-run-ended" && e.payload.inputOffset === inputOffset, `the run of input ${inputOffset} to end`, streamPath),
    /** Stops the agent and starts a fresh one (new processes' worth of state) on the same stream. */
    async restart() {
      await agent.stop();
      agent = await start();
    },
    stopAgent: () => agent.stop(),
    /** Stops the server; `startServer` brings it back on the same port and data. */
    stopServer: () => server.close(),
    async startServer() {
      server = await startTestServer({ keepDataDir: true, dataDir: server.dataDir, port: Number(new URL(url).port) });
    },
    async close() {
      await agent.stop();
      await llm.close();
      await server.close();
      rmSync(server.dataDir, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** The texts the model saw in a recorded request, in order, whatever the wire format. */
export function requestTexts(body: Record<string, unknown>): string[] {
  const texts: string[] = [];
  if (typeof body.instructions === "string") texts.push(body.instructions);
  const items = (body.messages ?? body.input) as unknown;
  for (const item of Array.isArray(items) ? (items as Record<string, unknown>[]) : [{ content: items }]) {
    if (typeof item.content === "string") texts.push(item.content);
    if (typeof item.output === "string") texts.push(item.output);
    if (Array.isArray(item.tool_calls))
      for (const call of item.tool_calls as { function: { name: string; arguments: string } }[])
        texts.push(`${call.function.name}(${call.function.arguments})`);
    if (item.type === "function_call") texts.push(`${item.name}(${item.arguments})`);
  }
  return texts;
}

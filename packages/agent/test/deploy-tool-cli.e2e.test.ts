import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli, type Cli } from "./support/spawn-cli.ts";
import { pingPongScript as pingPong } from "./support/ping-pong-script.ts";
import { waitFor } from "./support/wait-for.ts";

let server: TestServer;
let dir: string;
const spawned: Cli[] = [];
beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), "tributary-deploy-tool-cli-"));
});
afterAll(async () => {
  await Promise.all(spawned.splice(0).map((process) => process.kill("SIGKILL")));
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => {
  const process = spawnCli(args, { TRIBUTARY_URL: server.url, OPENAI_API_KEY: "sk-test" });
  spawned.push(process);
  return process;
};
const read = async (path: string): Promise<StoredEvent[]> => {
  const response = await fetch(`${server.url}/api/streams${path}?format=json&limit=10000`);
  return response.status === 404 ? [] : ((await response.json()) as { events: StoredEvent[] }).events;
};
const append = async (path: string, event: { type: string; payload?: Record<string, unknown> }): Promise<StoredEvent> =>
  (await (
    await fetch(`${server.url}/api/streams${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) })
  ).json()) as StoredEvent;

describe("tributary agent --deploy-tool", { timeout: 240_000 }, () => {
  it("offers the model deploy_processor: the scripted model deploys a ping-pong that answers pings after the agent process is gone", async () => {
    const script = join(dir, "script.json");
    writeFileSync(
      script,
      JSON.stringify({
        turns: [
          { match: "answer pings", toolCalls: [{ name: "deploy_processor", arguments: { path: "./pings", slug: "ping-pong", script: pingPong } }] },
          { match: { last: "is running on" }, text: "Deployed: pings on ./pings get a pong." },
        ],
      }),
    );
    const llm = cli(["mock-llm", "--port", "0", "--script", script]);
    const [, baseUrl] = await llm.waitFor(/OPENAI_BASE_URL=(\S+)/, 60_000);
    const path = "/cli/builder";
    const agent = cli(["agent", path, "--deploy-tool", "--no-tools", "--base-url", baseUrl!, "--model", "mock-model", "--context-window-ms", "20"]);
    const [tools] = await agent.waitFor(/tools: .*\n/, 60_000);
    expect(tools).toMatch(/deploy_processor \(on \/cli\/builder and below\)/);

    const input = await append(path, { type: "agent-input-added", payload: { content: "Deploy something that will answer pings" } });
    const ended = await waitFor(
      async () => (await read(path)).find((event) => event.type === "agent-run-ended" && event.payload.inputOffset === input.offset),
      "the run's end",
      90_000,
    );
    expect(ended.payload).toMatchObject({ outcome: "answered", text: "Deployed: pings on ./pings get a pong." });
    const deployed = (await read(`${path}/pings`)).find((event) => event.type === "processor/deployed");
    expect(deployed?.payload).toMatchObject({ slug: "ping-pong" });

    // The agent and the model server are gone: the server answers by itself.
    await agent.kill("SIGKILL");
    await llm.kill("SIGKILL");
    const ping = await append(`${path}/pings`, { type: "ping" });
    const pong = await waitFor(
      async () => (await read(`${path}/pings`)).find((event) => event.type === "pong" && event.payload.to === ping.offset),
      "the pong",
      90_000,
    );
    expect(pong.appendedBy).toMatchObject({ kind: "processor", slug: "ping-pong" });
  });

  it("leaves deploy_processor out without the flag", async () => {
    const agent = cli(["agent", "/cli/plain", "--no-tools", "--base-url", "http://127.0.0.1:9/v1", "--model", "mock-model"]);
    const [tools] = await agent.waitFor(/tools: .*\n/, 60_000);
    expect(tools).toBe("tools: none\n");
  });
});

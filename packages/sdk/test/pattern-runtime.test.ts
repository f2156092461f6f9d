import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { compilePathPattern, createEventsClient, defineProcessor, PatternProcessorRuntime } from "../src/index.ts";
import { captureLogger } from "./support/runtime.ts";
import { readAll } from "./support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("compilePathPattern", () => {
  it("matches * as exactly one segment and ** as any number, zero included", () => {
    const agents = compilePathPattern("/jonas/*/agent");
    expect(agents.root).toBe("/jonas");
    expect(agents.test("/jonas/a/agent")).toBe(true);
    expect(agents.test("/jonas/a/b/agent")).toBe(false);
    expect(agents.test("/jonas/agent")).toBe(false);
    expect(agents.test("/jonas/a/agent/sub")).toBe(false);
    expect(agents.test("/jonasx/a/agent")).toBe(false);

    const everything = compilePathPattern("/jonas/**");
    expect(everything.test("/jonas")).toBe(true);
    expect(everything.test("/jonas/a/b/c")).toBe(true);
    expect(everything.test("/other")).toBe(false);

    const middle = compilePathPattern("/**/agent");
    expect(middle.root).toBe("/");
    expect(middle.test("/agent")).toBe(true);
    expect(middle.test("/x/y/agent")).toBe(true);
    expect(middle.test("/x/y/agentx")).toBe(false);
  });

  it("refuses a wildcard that does not fill a whole segment", () => {
    expect(() => compilePathPattern("/jonas/a*")).toThrow(/whole segment/);
  });
});

describe("PatternProcessorRuntime", () => {
  const processor = defineProcessor(() => ({
    slug: "agent-marker",
    initialState: { inputs: 0 },
    reduce: ({ event, state }) => (event.type === "input" ? { inputs: state.inputs + 1 } : undefined),
    afterAppend: async ({ event, append }) => {
      if (event.type === "input") await append({ event: { type: "seen" } });
    },
  }));
  const seen = async (path: string) => (await readAll(server.url, path)).filter((event) => event.type === "seen").length;

  it("runs on every stream matching /x/*/agent, existing and created later, and on no other", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/pattern/alice/agent", event: { type: "input" } });
    const runtime = new PatternProcessorRuntime({ pattern: "/pattern/*/agent", processor, client, logger: captureLogger() });
    await runtime.start();
    expect(runtime.paths()).toEqual(["/pattern/alice/agent"]);
    expect(runtime.state("/pattern/alice/agent")).toEqual({ inputs: 1 });

    for (const path of ["/pattern/alice/agent", "/pattern/bob/agent", "/pattern/bob/agent/sub", "/pattern/bob/notes", "/pattern/agent"]) {
      await client.append({ path, event: { type: "input" } });
    }
    await runtime.waitForIdle();
    expect(await seen("/pattern/alice/agent")).toBe(1);
    expect(await seen("/pattern/bob/agent")).toBe(1);
    for (const other of ["/pattern/bob/agent/sub", "/pattern/bob/notes", "/pattern/agent", "/pattern"]) expect(await seen(other)).toBe(0);
    expect(runtime.paths().sort()).toEqual(["/pattern/alice/agent", "/pattern/bob/agent"]);
    await runtime.stop();
  });

  it("runs on the root and all descendants for /x/**", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const runtime = new PatternProcessorRuntime({ pattern: "/globstar/**", processor, client, logger: captureLogger() });
    await runtime.start();
    for (const path of ["/globstar", "/globstar/a", "/globstar/a/b/c"]) await client.append({ path, event: { type: "input" } });
    await runtime.waitForIdle();
    for (const path of ["/globstar", "/globstar/a", "/globstar/a/b/c"]) expect(await seen(path)).toBe(1);
    await runtime.stop();
  });
});

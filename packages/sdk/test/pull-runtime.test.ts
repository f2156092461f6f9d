import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient, defineProcessor, PullProcessorRuntime } from "../src/index.ts";
import { captureLogger } from "./support/runtime.ts";
import { readAll, waitFor, waitForEvent } from "./support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("PullProcessorRuntime", () => {
  it("reduces history without side effects, calls onCaughtUp once with that state, then runs afterAppend for each new event", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    for (let i = 0; i < 3; i++) await client.append({ path: "/pull/catch-up", event: { type: "hello-world" } });
    const calls: string[] = [];
    const processor = defineProcessor(() => ({
      slug: "counter",
      initialState: { count: 0 },
      reduce: ({ event, state }) => (event.type === "hello-world" ? { count: state.count + 1 } : undefined),
      onCaughtUp: ({ state, path }) => {
        calls.push(`caught up on ${path} at ${state.count}`);
      },
      afterAppend: ({ event, state }) => {
        calls.push(`after #${event.offset} ${event.type} at ${state.count}`);
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/pull/catch-up", processor, client, logger: captureLogger() });
    await runtime.start();
    expect(calls).toEqual(["caught up on /pull/catch-up at 3"]);
    expect(runtime.state()).toEqual({ count: 3 });

    await client.append({ path: "/pull/catch-up", event: { type: "hello-world" } });
    await client.append({ path: "/pull/catch-up", event: { type: "other" } });
    await runtime.waitForIdle();
    expect(calls).toEqual(["caught up on /pull/catch-up at 3", "after #4 hello-world at 4", "after #5 other at 4"]);
    await runtime.stop();
  });

  it("runs on a whole subtree, each stream with its own state, and picks up streams created later at any depth", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/pull/tree/existing", event: { type: "ping" } });
    const processor = defineProcessor(() => ({
      slug: "ping-pong",
      initialState: { pings: 0 },
      reduce: ({ event, state }) => (event.type === "ping" ? { pings: state.pings + 1 } : undefined),
      afterAppend: async ({ event, append }) => {
        if (event.type === "ping") await append({ event: { type: "pong", payload: { sourceOffset: event.offset } } });
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/pull/tree", includeChildren: true, processor, client, logger: captureLogger() });
    await runtime.start();
    expect(runtime.paths().sort()).toEqual(["/pull/tree", "/pull/tree/existing"]);

    await client.append({ path: "/pull/tree/existing", event: { type: "ping" } });
    await client.append({ path: "/pull/tree/new/deeper/still", event: { type: "ping" } });
    await client.append({ path: "/pull/tree/new/deeper/still", event: { type: "ping" } });
    await runtime.waitForIdle();

    const pongs = async (path: string) => (await readAll(server.url, path)).filter((event) => event.type === "pong").map((event) => event.payload.sourceOffset);
    expect(await pongs("/pull/tree/existing")).toEqual([2]);
    expect(await pongs("/pull/tree/new/deeper/still")).toEqual([1, 2]);
    expect(runtime.state("/pull/tree/existing")).toEqual({ pings: 2 });
    expect(runtime.state("/pull/tree/new/deeper/still")).toEqual({ pings: 2 });
    expect(runtime.state("/pull/tree")).toEqual({ pings: 0 });
    expect(runtime.paths()).toEqual(expect.arrayContaining(["/pull/tree/new", "/pull/tree/new/deeper", "/pull/tree/new/deeper/still"]));
    await runtime.stop();
  });

  it("resolves append paths: default and '.' is the event's stream, './child', '../sibling' and absolute ones", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const processor = defineProcessor(() => ({
      slug: "spawner",
      initialState: {},
      afterAppend: async ({ event, append }) => {
        if (event.type !== "go") return;
        await append({ event: { type: "here" } });
        await append({ path: ".", event: { type: "dot" } });
        await append({ path: "./researcher", event: { type: "task-assigned" } });
        await append({ path: "../sibling", event: { type: "hello-sibling" } });
        await append({ path: "/pull/elsewhere", event: { type: "absolute" } });
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/pull/paths/agent", processor, client, logger: captureLogger() });
    await runtime.start();
    const go = await client.append({ path: "/pull/paths/agent", event: { type: "go" } });
    await waitForEvent(server.url, "/pull/elsewhere", (event) => event.type === "absolute", "the absolute append");
    const types = async (path: string) => (await readAll(server.url, path)).filter((event) => !event.type.startsWith("stream/")).map((event) => event.type);
    expect(await types("/pull/paths/agent")).toEqual(["go", "here", "dot"]);
    expect(await types("/pull/paths/agent/researcher")).toEqual(["task-assigned"]);
    expect(await types("/pull/paths/sibling")).toEqual(["hello-sibling"]);
    const [assigned] = await readAll(server.url, "/pull/paths/agent/researcher");
    expect(assigned!.metadata).toEqual({ processor: "spawner", causedBy: { path: "/pull/paths/agent", offset: go.offset } });
    await runtime.stop();
  });

  it("turns a failing afterAppend into a stream/error-occurred event and keeps handling later events", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const logger = captureLogger();
    const processor = defineProcessor(() => ({
      slug: "fragile",
      initialState: {},
      afterAppend: async ({ event, append }) => {
        if (event.type === "explode") throw new Error("boom at work");
        if (event.type === "stream/error-occurred") throw new Error("failing on my own error report");
        if (event.type === "fine") await append({ event: { type: "handled" } });
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/pull/fragile", processor, client, logger });
    await runtime.start();
    const explode = await client.append({ path: "/pull/fragile", event: { type: "explode" } });
    await client.append({ path: "/pull/fragile", event: { type: "fine" } });
    await runtime.waitForIdle();
    const events = await readAll(server.url, "/pull/fragile");
    const errors = events.filter((event) => event.type === "stream/error-occurred");
    // Exactly one report: failing on its own error event is only logged, or it would loop.
    expect(errors.map((event) => event.payload)).toEqual([{ message: "boom at work", processor: "fragile", offset: explode.offset }]);
    expect(events.some((event) => event.type === "handled")).toBe(true);
    expect(logger.lines.some((line) => line.includes("failing on my own error report"))).toBe(true);
    await runtime.stop();
  });

  it("keeps reduce total: an event on which reduce throws leaves the state unchanged", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/pull/total", event: { type: "add", payload: { n: 2 } } });
    await client.append({ path: "/pull/total", event: { type: "add" } });
    await client.append({ path: "/pull/total", event: { type: "add", payload: { n: 3 } } });
    const processor = defineProcessor(() => ({
      slug: "sum",
      initialState: { sum: 0 },
      reduce: ({ event, state }) => {
        if (typeof event.payload.n !== "number") throw new Error("no n");
        return { sum: state.sum + event.payload.n };
      },
    }));
    const logger = captureLogger();
    const runtime = new PullProcessorRuntime({ path: "/pull/total", processor, client, logger });
    await runtime.start();
    expect(runtime.state()).toEqual({ sum: 5 });
    expect(logger.lines.some((line) => line.includes("reduce threw"))).toBe(true);
    await runtime.stop();
  });

  it("rejects run() with `unavailable` when the server cannot be reached", async () => {
    const processor = defineProcessor(() => ({ slug: "nothing", initialState: {} }));
    const runtime = new PullProcessorRuntime({ path: "/a", processor, baseUrl: "http://127.0.0.1:9", logger: captureLogger() });
    await expect(runtime.run()).rejects.toMatchObject({ code: "unavailable" });
  });

  it("stops when its signal aborts: run() resolves and later events get no side effects", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const seen: StoredEvent[] = [];
    const processor = defineProcessor(() => ({ slug: "watcher", initialState: {}, afterAppend: ({ event }) => void seen.push(event) }));
    const controller = new AbortController();
    const runtime = new PullProcessorRuntime({ path: "/pull/stop", processor, client, signal: controller.signal, logger: captureLogger() });
    const running = runtime.run();
    await runtime.start();
    await client.append({ path: "/pull/stop", event: { type: "one" } });
    await waitFor(() => seen.length === 1, "the first event");
    controller.abort();
    await running;
    await client.append({ path: "/pull/stop", event: { type: "two" } });
    // A fresh runtime sees "two" live only if appended after it starts; the stopped one never does.
    const after = new PullProcessorRuntime({ path: "/pull/stop", processor, client, logger: captureLogger() });
    await after.start();
    await client.append({ path: "/pull/stop", event: { type: "three" } });
    await after.waitForIdle();
    await after.stop();
    expect(seen.map((event) => event.type)).toEqual(["one", "three"]);
  });

  it("runs onStop once per stream when stopped, after the running side effects returned, with the state then", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/pull/on-stop/child", event: { type: "ping" } });
    let waiting = false;
    const processor = defineProcessor(() => ({
      slug: "leaver",
      initialState: { pings: 0 },
      reduce: ({ event, state }) => (event.type === "ping" ? { pings: state.pings + 1 } : undefined),
      afterAppend: async ({ event, append, signal }) => {
        if (event.type !== "slow") return;
        waiting = true;
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        await append({ event: { type: "cut-short" } });
      },
      onStop: async ({ state, append }) => {
        await append({ event: { type: "leaving", payload: { pings: state.pings } } });
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/pull/on-stop", includeChildren: true, processor, client, logger: captureLogger() });
    await runtime.start();
    await client.append({ path: "/pull/on-stop/child", event: { type: "ping" } });
    await client.append({ path: "/pull/on-stop/child", event: { type: "slow" } });
    await waitFor(() => waiting, "the slow side effect to be running");
    await runtime.stop();
    const types = async (path: string) => (await readAll(server.url, path)).map((event) => event.type);
    expect((await types("/pull/on-stop/child")).slice(-2)).toEqual(["cut-short", "leaving"]);
    expect((await readAll(server.url, "/pull/on-stop/child")).at(-1)!.payload).toEqual({ pings: 2 });
    expect((await types("/pull/on-stop")).filter((type) => type === "leaving")).toHaveLength(1);
  });
});

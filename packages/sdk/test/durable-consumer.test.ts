import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient, defineProcessor, PullProcessorRuntime, type Processor } from "../src/index.ts";
import { captureLogger } from "./support/runtime.ts";
import { readAll, waitFor } from "./support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A processor that records what its hooks saw. */
function recorder() {
  const calls: string[] = [];
  const processor = defineProcessor(() => ({
    slug: "recorder",
    initialState: { count: 0 },
    reduce: ({ event, state }) => (event.type === "tick" ? { count: state.count + 1 } : undefined),
    onCaughtUp: ({ state, path }) => void calls.push(`caught up ${path} ${state.count}`),
    afterAppend: ({ event, state }) => void calls.push(`after ${event.streamPath}#${event.offset} ${state.count}`),
  }));
  return { calls, processor };
}

async function runOnce(
  path: string,
  processor: Processor<any>,
  options: { consumer?: string; startFrom?: "now" | "beginning"; includeChildren?: boolean },
  during?: () => Promise<void>,
) {
  const client = createEventsClient({ baseUrl: server.url });
  const runtime = new PullProcessorRuntime({ path, processor, client, logger: captureLogger(), ...options });
  await runtime.start();
  await during?.();
  await runtime.waitForIdle();
  await runtime.stop();
}

const tick = (path: string) => createEventsClient({ baseUrl: server.url }).append({ path, event: { type: "tick" } });

describe("durable consumers", () => {
  it("without a consumer name, a restarted runtime only reduces what arrived while it was down", async () => {
    const { calls, processor } = recorder();
    await runOnce("/durable/plain", processor, {}, async () => void (await tick("/durable/plain")));
    await tick("/durable/plain");
    calls.length = 0;
    await runOnce("/durable/plain", processor, {});
    expect(calls).toEqual(["caught up /durable/plain 2"]);
  });

  it("with a consumer name, runs afterAppend after a restart for what arrived while it was down, with the state as of each, then onCaughtUp", async () => {
    const { calls, processor } = recorder();
    await tick("/durable/named");
    await runOnce("/durable/named", processor, { consumer: "mailer" }, async () => void (await tick("/durable/named")));
    expect(calls).toEqual(["caught up /durable/named 1", "after /durable/named#2 2"]);
    expect(await createEventsClient({ baseUrl: server.url }).getCursor("/durable/named", "mailer")).toBe(2);

    await tick("/durable/named");
    await tick("/durable/named");
    calls.length = 0;
    await runOnce("/durable/named", processor, { consumer: "mailer" });
    expect(calls).toEqual(["after /durable/named#3 3", "after /durable/named#4 4", "caught up /durable/named 4"]);
    calls.length = 0;
    await runOnce("/durable/named", processor, { consumer: "mailer" });
    expect(calls).toEqual(["caught up /durable/named 4"]);
  });

  it("keeps progress per consumer name: a second name does its own missed events", async () => {
    const first = recorder();
    const second = recorder();
    await runOnce("/durable/two-names", first.processor, { consumer: "one" });
    await runOnce("/durable/two-names", second.processor, { consumer: "two" });
    await tick("/durable/two-names");
    await runOnce("/durable/two-names", first.processor, { consumer: "one" });
    await runOnce("/durable/two-names", second.processor, { consumer: "two" });
    expect(first.calls.filter((call) => call.startsWith("after"))).toEqual(["after /durable/two-names#1 1"]);
    expect(second.calls.filter((call) => call.startsWith("after"))).toEqual(["after /durable/two-names#1 1"]);
  });

  it("on a consumer's first run skips the history's side effects by default, and runs them with startFrom: beginning", async () => {
    await tick("/durable/first-run");
    await tick("/durable/first-run");
    const now = recorder();
    await runOnce("/durable/first-run", now.processor, { consumer: "late-joiner" });
    expect(now.calls).toEqual(["caught up /durable/first-run 2"]);
    const beginning = recorder();
    await runOnce("/durable/first-run", beginning.processor, { consumer: "archivist", startFrom: "beginning" });
    expect(beginning.calls).toEqual(["after /durable/first-run#1 1", "after /durable/first-run#2 2", "caught up /durable/first-run 2"]);
  });

  it("covers a whole subtree: streams created while stopped are processed from their first event", async () => {
    const { calls, processor } = recorder();
    await runOnce("/durable/tree", processor, { consumer: "c", includeChildren: true }, async () => void (await tick("/durable/tree/a")));
    await tick("/durable/tree/a");
    await tick("/durable/tree/b/c");
    calls.length = 0;
    await runOnce("/durable/tree", processor, { consumer: "c", includeChildren: true });
    const after = calls.filter((call) => call.startsWith("after") && !call.includes("stream/"));
    expect(after).toEqual(expect.arrayContaining(["after /durable/tree/a#2 2", "after /durable/tree/b/c#1 1"]));
    expect(after.filter((call) => call.startsWith("after /durable/tree/a#"))).toEqual(["after /durable/tree/a#2 2"]);
  });

  it("starts over on a stream that was deleted and recreated while it was stopped", async () => {
    const { calls, processor } = recorder();
    await runOnce("/durable/recreated", processor, { consumer: "c", includeChildren: true }, async () => {
      await tick("/durable/recreated/x");
      await tick("/durable/recreated/x");
    });
    const deleted = await fetch(`${server.url}/api/streams/durable/recreated/x`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    await tick("/durable/recreated/x");
    calls.length = 0;
    await runOnce("/durable/recreated", processor, { consumer: "c", includeChildren: true });
    expect(calls.filter((call) => call.startsWith("after /durable/recreated/x"))).toEqual(["after /durable/recreated/x#1 1"]);
  });

  it("redoes an effect the stop cut short (at-least-once), and the redo's appends are not stored twice", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    let attempts = 0;
    let blocking = true;
    const processor = defineProcessor(() => ({
      slug: "two-steps",
      initialState: {},
      afterAppend: async ({ event, append, signal }) => {
        if (event.type !== "job") return;
        attempts += 1;
        await append({ event: { type: "step-one" } });
        if (blocking && !signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        if (signal.aborted) return;
        await append({ event: { type: "step-two" } });
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/durable/redo", processor, client, consumer: "worker", logger: captureLogger() });
    await runtime.start();
    const job = await client.append({ path: "/durable/redo", event: { type: "job" } });
    await waitFor(async () => (await readAll(server.url, "/durable/redo")).some((event) => event.type === "step-one"), "step one");
    await runtime.stop();
    expect(await client.getCursor("/durable/redo", "worker")).toBe(job.offset - 1);

    blocking = false;
    await runOnce("/durable/redo", processor, { consumer: "worker" });
    expect(attempts).toBe(2);
    const types = (await readAll(server.url, "/durable/redo")).map((event: StoredEvent) => event.type);
    expect(types).toEqual(["job", "step-one", "step-two"]);
    expect(await client.getCursor("/durable/redo", "worker")).toBe(3);
  });
});

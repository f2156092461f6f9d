import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient, defineProcessor, InterruptedError, PullProcessorRuntime } from "../src/index.ts";
import { captureLogger } from "./support/runtime.ts";
import { readAll, waitFor, waitForEvent } from "./support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Work that never ends on its own: only an abort of its signal ends it (with the signal's reason). */
const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });

describe("interrupting side effects", () => {
  it("lets a second input cancel the first one's long-running afterAppend (sequential, with interrupts)", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const reasons: unknown[] = [];
    const processor = defineProcessor(() => ({
      slug: "assistant",
      initialState: {},
      interrupts: ({ event }) => event.type === "input",
      afterAppend: async ({ event, append, signal }) => {
        if (event.type !== "input") return;
        await append({ event: { type: "work-started", payload: { input: event.offset } } });
        try {
          if (event.payload.long) await untilAborted(signal);
          await append({ event: { type: "work-done", payload: { input: event.offset } } });
        } catch (error) {
          reasons.push(signal.reason);
          await append({ event: { type: "work-cancelled", payload: { input: event.offset } } });
          throw error;
        }
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/interrupt/sequential", processor, client, logger: captureLogger() });
    await runtime.start();
    const first = await client.append({ path: "/interrupt/sequential", event: { type: "input", payload: { long: true } } });
    await waitForEvent(server.url, "/interrupt/sequential", (event) => event.type === "work-started", "the long work to start");
    const second = await client.append({ path: "/interrupt/sequential", event: { type: "input", payload: { long: false } } });
    await waitForEvent(server.url, "/interrupt/sequential", (event) => event.type === "work-done", "the second input's work");
    await runtime.waitForIdle();

    const events = (await readAll(server.url, "/interrupt/sequential")).filter((event) => event.type.startsWith("work-"));
    // The interrupted call is abandoned, so its last append races the next call's appends: compare per input.
    const forInput = (input: StoredEvent) => events.filter((event) => event.payload.input === input.offset).map((event) => event.type);
    expect(forInput(first)).toEqual(["work-started", "work-cancelled"]);
    expect(forInput(second)).toEqual(["work-started", "work-done"]);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(InterruptedError);
    expect((reasons[0] as InterruptedError).by.offset).toBe(second.offset);
    // An interruption is not a failure: no error event.
    expect((await readAll(server.url, "/interrupt/sequential")).some((event) => event.type === "stream/error-occurred")).toBe(false);
    await runtime.stop();
  });

  it("runs sequential effects one at a time: without interrupts, a newer event waits for the running one", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const processor = defineProcessor(() => ({
      slug: "in-order",
      initialState: { seen: 0 },
      reduce: ({ state }) => ({ seen: state.seen + 1 }),
      afterAppend: async ({ event }) => {
        log.push(`start ${event.type}`);
        if (event.type === "a") await gate;
        log.push(`end ${event.type}`);
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/interrupt/in-order", processor, client, logger: captureLogger() });
    await runtime.start();
    await client.append({ path: "/interrupt/in-order", event: { type: "a" } });
    await client.append({ path: "/interrupt/in-order", event: { type: "b" } });
    await waitFor(() => runtime.state()?.seen === 2, "both events reduced");
    expect(log).toEqual(["start a"]);
    release();
    await runtime.waitForIdle();
    expect(log).toEqual(["start a", "end a", "start b", "end b"]);
    await runtime.stop();
  });

  it("starts every afterAppend at once under the concurrent policy", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const processor = defineProcessor(() => ({
      slug: "parallel",
      initialState: {},
      concurrency: "concurrent" as const,
      afterAppend: async ({ event }) => {
        log.push(`start ${event.type}`);
        if (event.type === "a") await gate;
        log.push(`end ${event.type}`);
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/interrupt/concurrent", processor, client, logger: captureLogger() });
    await runtime.start();
    await client.append({ path: "/interrupt/concurrent", event: { type: "a" } });
    await client.append({ path: "/interrupt/concurrent", event: { type: "b" } });
    await waitFor(() => log.includes("end b"), "b to finish while a still runs");
    expect(log).toEqual(["start a", "start b", "end b"]);
    release();
    await runtime.waitForIdle();
    expect(log).toEqual(["start a", "start b", "end b", "end a"]);
    await runtime.stop();
  });

  it("under latest-wins, a new event interrupts the running one and skips waiting ones, but the processor's own appends do not interrupt", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const outcome = new Map<number, string>();
    const processor = defineProcessor(() => ({
      slug: "latest",
      initialState: { progress: 0 },
      concurrency: "latest-wins" as const,
      reduce: ({ event, state }) => (event.type === "progress" ? { progress: state.progress + 1 } : undefined),
      afterAppend: async ({ event, append, signal }) => {
        if (event.type !== "request") return;
        outcome.set(event.offset, "started");
        await append({ event: { type: "progress" } });
        try {
          if (!event.payload.last) await untilAborted(signal);
          outcome.set(event.offset, "completed");
        } catch {
          outcome.set(event.offset, "interrupted");
        }
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/interrupt/latest", processor, client, logger: captureLogger() });
    await runtime.start();
    const first = await client.append({ path: "/interrupt/latest", event: { type: "request" } });
    // Its own `progress` event is reduced while it keeps running: it did not interrupt it.
    await waitFor(() => runtime.state()?.progress === 1, "the first request's own progress event to be reduced");
    expect(outcome.get(first.offset)).toBe("started");

    const middle: StoredEvent[] = [];
    for (let i = 0; i < 3; i++) middle.push(await client.append({ path: "/interrupt/latest", event: { type: "request" } }));
    const last = await client.append({ path: "/interrupt/latest", event: { type: "request", payload: { last: true } } });
    await waitFor(() => outcome.get(last.offset) === "completed", "the last request to complete");
    await runtime.waitForIdle();
    expect(outcome.get(first.offset)).toBe("interrupted");
    for (const event of middle) expect([undefined, "interrupted"]).toContain(outcome.get(event.offset));
    expect([...outcome.values()].filter((value) => value === "completed")).toHaveLength(1);
    await runtime.stop();
  });

  it("aborts a running afterAppend's signal when the runtime stops", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    let aborted = false;
    let started = false;
    const processor = defineProcessor(() => ({
      slug: "stoppable",
      initialState: {},
      afterAppend: async ({ signal }) => {
        started = true;
        await untilAborted(signal).catch(() => (aborted = true));
      },
    }));
    const runtime = new PullProcessorRuntime({ path: "/interrupt/stop", processor, client, logger: captureLogger() });
    await runtime.start();
    await client.append({ path: "/interrupt/stop", event: { type: "work" } });
    await waitFor(() => started, "the work to start");
    await runtime.stop();
    expect(aborted).toBe(true);
  });
});

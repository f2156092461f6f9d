import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { alive, sandboxPid } from "./support/sandbox-process.ts";

/**
 * The CPU limit counts CPU time, not wall time: isolated-vm's own timeout is wall time, so on a busy
 * machine a call that is descheduled past the limit must not be stopped as a CPU overrun. The call here
 * runs 2 s of wall time after its first append is answered (a Date.now() loop), and the test stops the
 * sandbox process (SIGSTOP) for 1.5 s of it: it used ~0.5 s of CPU, under the 1 s limit, over 2 s.
 */
const cpuMs = 1000;
const spinner = `
import { defineProcessor } from "tributary";
export default defineProcessor(() => ({
  slug: "spinner",
  initialState: {},
  reduce: ({ state }) => state,
  afterAppend: async ({ event, append }) => {
    if (event.type !== "spin") return;
    await append({ event: { type: "spinning", payload: { sourceOffset: event.offset } } });
    const until = Date.now() + 2000;
    while (Date.now() < until) {}
    await append({ event: { type: "spun", payload: { sourceOffset: event.offset } } });
  },
}));`;

const patience = 60_000;
let server: TestServer;
let stopped: number | undefined;
beforeAll(async () => {
  server = await startTestServer({ sandbox: { cpuMs, maxFailures: 5 } });
});
afterAll(async () => {
  if (stopped !== undefined && alive(stopped)) process.kill(stopped, "SIGCONT");
  await server?.close();
});

const find = (path: string, type: string, offset: number) =>
  waitFor(
    async () => (await readEvents(server.url, path)).find((event) => event.type === type && event.payload.sourceOffset === offset),
    `${type} for #${offset}`,
    patience,
  );

describe("a hosted call's CPU limit", { timeout: 120_000 }, () => {
  it("is not hit by a call that the machine does not schedule for longer than the limit (the sandbox process stopped mid-call) while it uses less CPU than the limit", async () => {
    const path = "/cpu/descheduled";
    expect((await appendJson(server.url, path, { type: "processor/deployed", payload: { slug: "spinner", script: spinner } })).status).toBe(201);
    await waitFor(async () => (await readEvents(server.url, path)).some((event) => event.type === "processor/started"), "processor/started", patience);
    const spin = (await (await appendJson(server.url, path, { type: "spin" })).json()) as StoredEvent;
    await find(path, "spinning", spin.offset);
    // The call now spins in the isolate; stop its process for most of the spin.
    const pid = sandboxPid();
    expect(pid).toBeDefined();
    process.kill(pid!, "SIGSTOP");
    stopped = pid;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    process.kill(pid!, "SIGCONT");
    stopped = undefined;

    await find(path, "spun", spin.offset);
    const events = await readEvents(server.url, path);
    expect(events.filter((event) => event.type === "stream/error-occurred")).toEqual([]);
    expect(sandboxPid()).toBe(pid);
  });
});

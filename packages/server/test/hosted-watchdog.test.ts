import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { stateOf } from "./builtins-support.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { pingPongModule } from "./support/ping-pong-module.ts";
import { alive, sandboxPid } from "./support/sandbox-process.ts";

const pingPong = pingPongModule();

// The watchdog waits 15 s for a heartbeat, and the sandbox process starts slowly on a loaded machine.
const patience = 120_000;

let server: TestServer;
let stopped: number | undefined;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  if (stopped !== undefined && alive(stopped)) process.kill(stopped, "SIGKILL");
  await server?.close();
});

const pongFor = (path: string, ping: StoredEvent) =>
  waitFor(
    async () => (await readEvents(server.url, path)).find((event) => event.type === "pong" && event.payload.sourceOffset === ping.offset),
    `a pong for #${ping.offset}`,
    patience,
  );
const ping = async (path: string) => (await (await appendJson(server.url, path, { type: "ping" })).json()) as StoredEvent;

describe("the sandbox process", { timeout: 300_000 }, () => {
  it("is killed by the watchdog when it stops answering (SIGSTOP) during a call; the call fails with an error event, and the processor, loaded again in a new process, handles that event again and the next", async () => {
    const path = "/watchdog/frozen";
    expect((await appendJson(server.url, path, { type: "processor/deployed", payload: { slug: "ping-pong", script: pingPong } })).status).toBe(201);
    await pongFor(path, await ping(path));
    const first = sandboxPid();
    expect(first).toBeDefined();

    // Frozen: no heartbeat, no answer. The next ping's call waits on it until the watchdog kills it.
    process.kill(first!, "SIGSTOP");
    stopped = first;
    const lost = await ping(path);
    // The call that waits is the first one after the freeze: the last pong's (the runner handles its own
    // stream's events too) or the ping's.
    const error = await waitFor(
      async () => (await readEvents(server.url, path)).find((event) => event.type === "stream/error-occurred"),
      "the failed call's error",
      patience,
    );
    expect(error.payload).toMatchObject({ slug: "ping-pong", kind: "crashed" });
    expect(error.payload.offset).toBeLessThanOrEqual(lost.offset);
    expect(String(error.payload.message)).toMatch(/sandbox process stopped/);
    await waitFor(() => !alive(first!), "the frozen process to be gone", patience);

    // A new sandbox process: the processor is loaded again, handles the lost event again (at least once), and answers.
    await pongFor(path, lost);
    await pongFor(path, await ping(path));
    const second = sandboxPid();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it("is started anew when it is killed between calls, and the processors in it answer the next event without an error", async () => {
    const path = "/watchdog/killed";
    expect((await appendJson(server.url, path, { type: "processor/deployed", payload: { slug: "ping-pong", script: pingPong } })).status).toBe(201);
    const pong = await pongFor(path, await ping(path));
    // Between calls: the runner has handled its own pong too (its cursor is there) and waits.
    await waitFor(async () => (await stateOf(server.url, path))["hosted-processors"].processors[0]?.cursor >= pong.offset, "the runner to be idle", patience);
    const before = sandboxPid()!;
    process.kill(before, "SIGKILL");
    await waitFor(() => !alive(before), "the killed process to be gone", patience);
    const next = await ping(path);
    await pongFor(path, next);
    expect((await readEvents(server.url, path)).filter((event) => event.type === "stream/error-occurred")).toEqual([]);
  });
});

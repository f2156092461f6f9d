import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient } from "tributary";
import { spawnProcess } from "../../packages/cli/test/support/cli-process.ts";
import { readAll, waitForEvent } from "../../packages/sdk/test/support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { heartbeatMs: 200 } });
});
afterAll(async () => {
  await server.close();
});

describe("the Python processor example (standard library only)", () => {
  it("catches up without answering history, then answers new pings over HTTP", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const old = await client.append({ path: "/py/pings", event: { type: "ping" } });
    const python = spawnProcess(["examples/python-processor/ping_pong.py", "/py/pings"], { command: "python3", env: { TRIBUTARY_URL: server.url } });
    await python.waitForOutput(/caught up on \/py\/pings: \{'pings': 1\}/);

    const ping = await client.append({ path: "/py/pings", event: { type: "ping" } });
    const pong = await waitForEvent(server.url, "/py/pings", (event) => event.type === "pong", "the Python processor's pong");
    expect(pong.payload).toEqual({ sourceOffset: ping.offset, pings: 2 });
    expect(pong.metadata).toEqual({ processor: "python-ping-pong" });
    await python.waitForOutput(new RegExp(`answered ping #${ping.offset} with pong #${pong.offset}`));

    const second = await client.append({ path: "/py/pings", event: { type: "ping" } });
    await waitForEvent(server.url, "/py/pings", (event) => event.type === "pong" && event.payload.sourceOffset === second.offset, "a second pong");
    const pongs = (await readAll(server.url, "/py/pings")).filter((event) => event.type === "pong");
    expect(pongs.map((event) => event.payload.sourceOffset)).toEqual([ping.offset, second.offset]);
    expect(pongs.some((event) => event.payload.sourceOffset === old.offset)).toBe(false);
    await python.stop();
  });

  it("resumes after a server restart without missing or repeating a ping", async () => {
    const own = await startTestServer({ keepDataDir: true, limits: { heartbeatMs: 200 } });
    const { port, dataDir } = own;
    const python = spawnProcess(["examples/python-processor/ping_pong.py", "/py/restart"], { command: "python3", env: { TRIBUTARY_URL: own.url } });
    try {
      await python.waitForOutput(/caught up on \/py\/restart/);
      const client = createEventsClient({ baseUrl: own.url });
      const before = await client.append({ path: "/py/restart", event: { type: "ping" } });
      await waitForEvent(own.url, "/py/restart", (event) => event.type === "pong" && event.payload.sourceOffset === before.offset, "a pong before the restart");
      await own.close();
      const again = await startTestServer({ port, dataDir, limits: { heartbeatMs: 200 } });
      try {
        // The key lets the client retry on a pooled connection the old server closed.
        const after = await client.append({ path: "/py/restart", event: { type: "ping", idempotencyKey: "after-restart" } });
        await waitForEvent(
          again.url,
          "/py/restart",
          (event) => event.type === "pong" && event.payload.sourceOffset === after.offset,
          "a pong after the restart",
        );
        const pongs = (await readAll(again.url, "/py/restart")).filter((event) => event.type === "pong");
        expect(pongs.map((event) => event.payload.sourceOffset)).toEqual([before.offset, after.offset]);
      } finally {
        await again.close();
      }
    } finally {
      await python.stop();
    }
  });
});

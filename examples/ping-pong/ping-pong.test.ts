import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventsClient, type StoredEvent } from "tributary";
import { spawnProcess, spawnServe, tributaryBin, type Spawned } from "../../packages/cli/test/support/cli-process.ts";
import { readAll, waitForEvent } from "../../packages/sdk/test/support/wait-for.ts";

let dataDir: string;
let server: Spawned & { url: string };
const running: Spawned[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "tributary-ping-pong-"));
  server = await spawnServe(dataDir);
});
afterAll(async () => {
  await Promise.all(running.map((process) => process.stop()));
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const pongsFor = (events: StoredEvent[], ping: StoredEvent) => events.filter((event) => event.type === "pong" && event.payload.sourceOffset === ping.offset);

function start(args: string[]): Spawned {
  const spawned = spawnProcess(args, { env: { TRIBUTARY_URL: server.url } });
  running.push(spawned);
  return spawned;
}

describe("the ping-pong example of SPEC §3, run as its file says against `tributary serve`", () => {
  it("answers a ping appended to any child path of /jonas, and after a restart answers neither old nor missed pings", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const first = start(["examples/ping-pong/ping-pong.ts"]);
    await first.waitForOutput(/caught up/);

    const deep = await client.append({ path: "/jonas/deep/child", event: { type: "ping" } });
    const sibling = await client.append({ path: "/jonas/sibling", event: { type: "ping" } });
    const own = await client.append({ path: "/jonas", event: { type: "ping" } });
    for (const ping of [deep, sibling, own]) {
      const pong = await waitForEvent(
        server.url,
        ping.streamPath,
        (event) => event.type === "pong" && event.payload.sourceOffset === ping.offset,
        `a pong for ${ping.streamPath}`,
      );
      expect(pong.offset).toBeGreaterThan(ping.offset);
    }

    await first.stop();
    const missed = await client.append({ path: "/jonas/deep/child", event: { type: "ping" } });
    const second = start(["examples/ping-pong/ping-pong.ts"]);
    await second.waitForOutput(/caught up/);
    const fresh = await client.append({ path: "/jonas/deep/child", event: { type: "ping" } });
    await waitForEvent(
      server.url,
      "/jonas/deep/child",
      (event) => event.type === "pong" && event.payload.sourceOffset === fresh.offset,
      "a pong for the fresh ping",
    );

    // Side effects on a stream run in offset order, so with the fresh ping answered, any answer to an
    // older ping would already be there.
    const events = await readAll(server.url, "/jonas/deep/child");
    expect(pongsFor(events, deep)).toHaveLength(1);
    expect(pongsFor(events, missed)).toHaveLength(0);
    expect(pongsFor(events, fresh)).toHaveLength(1);
    await second.stop();
  });

  it("run with a consumer name, answers the pings appended while it was stopped, each once", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const args = [tributaryBin, "run", "examples/ping-pong/ping-pong.ts", "--path", "/durable", "--children", "--consumer", "pp"];
    const old = await client.append({ path: "/durable/a", event: { type: "ping" } });

    const first = start(args);
    await first.waitForOutput(/is running on \/durable and its descendants as consumer 'pp'/);
    const live = await client.append({ path: "/durable/a", event: { type: "ping" } });
    await waitForEvent(server.url, "/durable/a", (event) => event.type === "pong" && event.payload.sourceOffset === live.offset, "a pong for the live ping");
    expect((await first.stop()).code).toBe(0);

    const whileStoppedExisting = await client.append({ path: "/durable/a", event: { type: "ping" } });
    const whileStoppedNewChild = await client.append({ path: "/durable/b/new", event: { type: "ping" } });

    const second = start(args);
    await second.waitForOutput(/is running on/);
    for (const ping of [whileStoppedExisting, whileStoppedNewChild]) {
      await waitForEvent(
        server.url,
        ping.streamPath,
        (event) => event.type === "pong" && event.payload.sourceOffset === ping.offset,
        `a pong for the ping on ${ping.streamPath} appended while stopped`,
      );
    }
    const afterRestart = await client.append({ path: "/durable/a", event: { type: "ping" } });
    await waitForEvent(
      server.url,
      "/durable/a",
      (event) => event.type === "pong" && event.payload.sourceOffset === afterRestart.offset,
      "a pong after the restart",
    );
    expect((await second.stop()).code).toBe(0);

    const events = await readAll(server.url, "/durable/a");
    // History from before the consumer's first run is not acted on (startFrom "now").
    expect(pongsFor(events, old)).toHaveLength(0);
    for (const ping of [live, whileStoppedExisting, afterRestart]) expect(pongsFor(events, ping)).toHaveLength(1);
    expect(pongsFor(await readAll(server.url, "/durable/b/new"), whileStoppedNewChild)).toHaveLength(1);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventsClient, type StoredEvent } from "@tributary/sdk";
import { readAll, waitFor } from "../../sdk/test/support/wait-for.ts";
import { runCli, spawnServe, type Spawned } from "./support/cli-process.ts";

// Starting the sandbox process takes seconds on a loaded machine.
const patience = 60_000;

let dataDir: string;
let server: Spawned & { url: string };
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "tributary-deploy-"));
  server = await spawnServe(dataDir);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const pongFor = (url: string, ping: StoredEvent) =>
  waitFor(
    async () => (await readAll(url, ping.streamPath)).find((event) => event.type === "pong" && event.payload.sourceOffset === ping.offset),
    `a pong for offset ${ping.offset}`,
    patience,
  );

describe("tributary deploy", { timeout: 240_000 }, () => {
  it("bundles examples/ping-pong, waits until it runs, and the server answers pings with no user process, after a restart too; a redeploy replaces it", async () => {
    const deployed = await runCli(["deploy", "examples/ping-pong/ping-pong.ts", "--path", "/me/pp", "--url", server.url]);
    expect(deployed.stderr).toMatch(/deployed ping-pong \(\d+ KiB\) at \/me\/pp offset \d+; waiting/);
    expect(deployed.stdout).toContain("ping-pong is running on /me/pp.");
    expect(deployed.code).toBe(0);
    const client = createEventsClient({ baseUrl: server.url });
    await pongFor(server.url, await client.append({ path: "/me/pp", event: { type: "ping" } }));

    await server.stop();
    server = await spawnServe(dataDir);
    const restarted = createEventsClient({ baseUrl: server.url });
    const afterRestart = await restarted.append({ path: "/me/pp", event: { type: "ping" } });
    await pongFor(server.url, afterRestart);

    const again = await runCli(["deploy", "examples/ping-pong/ping-pong.ts", "--path", "/me/pp", "--url", server.url]);
    expect(again.code).toBe(0);
    const ping = await restarted.append({ path: "/me/pp", event: { type: "ping" } });
    await pongFor(server.url, ping);
    const events = await readAll(server.url, "/me/pp");
    // One runner after the redeploy: each ping answered once.
    expect(events.filter((event) => event.type === "pong" && event.payload.sourceOffset === ping.offset)).toHaveLength(1);
    expect(events.filter((event) => event.type === "processor/deployed")).toHaveLength(2);
  });

  it("says what is wrong, with a non-zero exit, for a file that needs Node, one that fails in the sandbox, and bad flags", async () => {
    const needsNode = await runCli(["deploy", "packages/cli/test/fixtures/needs-node.ts", "--path", "/me/bad", "--url", server.url]);
    expect(needsNode.code).toBe(1);
    expect(needsNode.stderr).toMatch(/could not bundle .*'node:fs' is not available to a hosted processor/);

    const throws = await runCli(["deploy", "packages/cli/test/fixtures/throws-on-load.ts", "--path", "/me/bad", "--url", server.url]);
    expect(throws.code).toBe(1);
    expect(throws.stderr).toMatch(/throws-on-load failed: .*this processor needs a Node process/);

    const noPath = await runCli(["deploy", "examples/ping-pong/ping-pong.ts", "--url", server.url]);
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toMatch(/--path is required/);
  });
});

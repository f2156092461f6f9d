import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnProcess, tributaryBin } from "./support/cli-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tributary-serve-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("tributary serve", () => {
  it("prints its URL, serves the API and the UI, and stops on SIGTERM", async () => {
    const server = spawnProcess([tributaryBin, "serve", "--port", "0", "--data-dir", dataDir, "--circuit-breaker", "2/60"]);
    const [, url] = await server.waitForOutput(/listening on (http:\/\/\S+)/);
    const post = () => fetch(`${url}/api/streams/serve/test`, { method: "POST", body: '{"type":"x"}' });
    expect((await post()).status).toBe(201);
    expect((await fetch(`${url}/`)).headers.get("content-type")).toContain("text/html");
    // --circuit-breaker 2/60: the third event within a minute trips it.
    await post();
    await post();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 423 && Date.now() < deadline) status = (await post()).status;
    expect(status).toBe(423);
    expect((await server.stop("SIGTERM")).code).toBe(0);
  });

  it("answers bad flags with a message that says what to fix and a non-zero exit", async () => {
    for (const [args, message] of [
      [["--port", "http"], /--port must be an integer/],
      [["--fsync", "sometimes"], /--fsync must be normal or full/],
      [["--circuit-breaker", "lots"], /--circuit-breaker must be/],
      [["--database-url", "mysql://x"], /--database-url must be a postgres/],
      [["--log-level", "loud"], /--log-level must be/],
      [["--bogus"], /Unknown option '--bogus'/],
    ] as const) {
      const run = spawnProcess([tributaryBin, "serve", ...args]);
      const { code } = await run.exited;
      expect(code, args.join(" ")).not.toBe(0);
      expect(run.output()).toMatch(message);
    }
  });

  it("refuses a port that is in use, naming it", async () => {
    const first = spawnProcess([tributaryBin, "serve", "--port", "0", "--data-dir", join(dataDir, "a")]);
    const [, url] = await first.waitForOutput(/listening on (http:\/\/\S+)/);
    const port = new URL(url!).port;
    const second = spawnProcess([tributaryBin, "serve", "--port", port, "--data-dir", join(dataDir, "b")]);
    expect((await second.exited).code).not.toBe(0);
    expect(second.output()).toContain(`port ${port} is in use`);
    await first.stop("SIGTERM");
  });
});

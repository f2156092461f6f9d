import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient } from "@tributary/sdk";
import { readAll, waitForEvent } from "../../sdk/test/support/wait-for.ts";
import { runCli, spawnProcess, tributaryBin } from "./support/cli-process.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const fixture = (name: string) => `packages/cli/test/fixtures/${name}`;

describe("tributary run", () => {
  it("runs a TypeScript processor file directly, picking its only processor export, with relative appends", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/run/typed", event: { type: "old" } });
    const run = spawnProcess([tributaryBin, "run", fixture("typed-processor.ts"), "--path", "/run/typed", "--url", server.url]);
    await run.waitForOutput(/tally \(export 'tally'\) is running on \/run\/typed;/);
    const report = await client.append({ path: "/run/typed", event: { type: "report" } });
    const tallied = await waitForEvent(server.url, "/run/typed/report", (event) => event.type === "tallied", "the tally");
    expect(tallied.payload).toEqual({ seen: 2, last: `report@${report.offset}` });
    expect((await run.stop()).code).toBe(0);
  });

  it("runs on a pattern path (* and **) when --path has wildcards", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const run = spawnProcess([tributaryBin, "run", fixture("two-processors.ts"), "--export", "second", "--path", "/run/pattern/*/agent", "--url", server.url]);
    await run.waitForOutput(/second \(export 'second'\) is running on streams matching \/run\/pattern\/\*\/agent/);
    await client.append({ path: "/run/pattern/x/notes", event: { type: "say" } });
    await client.append({ path: "/run/pattern/x/agent", event: { type: "say" } });
    await waitForEvent(server.url, "/run/pattern/x/agent", (event) => event.type === "said", "an answer on the matching stream");
    expect((await readAll(server.url, "/run/pattern/x/notes")).some((event) => event.type === "said")).toBe(false);
    expect((await run.stop()).code).toBe(0);
  });

  it("explains what to export when the file has no processor, or several", async () => {
    const [none, several, missingExport] = await Promise.all([
      runCli(["run", fixture("no-processor.ts"), "--path", "/x", "--url", server.url]),
      runCli(["run", fixture("two-processors.ts"), "--path", "/x", "--url", server.url]),
      runCli(["run", fixture("two-processors.ts"), "--path", "/x", "--export", "third", "--url", server.url]),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("has no processor export");
    expect(none.stderr).toContain("export default defineProcessor");
    expect(none.stderr).toContain("It exports: helper, notAProcessor.");
    expect(several).toMatchObject({ code: 2, stderr: expect.stringContaining("several processors (first, second); choose one with --export") });
    expect(missingExport).toMatchObject({ code: 2, stderr: expect.stringContaining("no export named 'third'") });
  });

  it("refuses bad flags and a missing file, and says when the server is unreachable", async () => {
    const [noPath, noFile, badStart, badPattern, unreachable] = await Promise.all([
      runCli(["run", fixture("typed-processor.ts")]),
      runCli(["run", "does-not-exist.ts", "--path", "/x"]),
      runCli(["run", fixture("typed-processor.ts"), "--path", "/x", "--consumer", "c", "--start-from", "yesterday"]),
      runCli(["run", fixture("typed-processor.ts"), "--path", "/x/a*"]),
      runCli(["run", fixture("typed-processor.ts"), "--path", "/x", "--url", "http://127.0.0.1:9"]),
    ]);
    expect(noPath).toMatchObject({ code: 2, stderr: expect.stringContaining("--path is required") });
    expect(noFile).toMatchObject({ code: 2, stderr: expect.stringContaining("does-not-exist.ts does not exist") });
    expect(badStart).toMatchObject({ code: 2, stderr: expect.stringContaining("--start-from must be now or beginning") });
    expect(badPattern).toMatchObject({ code: 2, stderr: expect.stringContaining("whole segment") });
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining("Cannot reach the Tributary server at http://127.0.0.1:9") });
  });
});

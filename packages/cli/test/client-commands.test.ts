import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient } from "@tributary/sdk";
import { readAll, waitFor } from "../../sdk/test/support/wait-for.ts";
import { runCli, spawnProcess, tributaryBin } from "./support/cli-process.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const cli = (args: string[], input?: string) => runCli([...args, "--url", server.url], {}, input);
/** Setup goes through the SDK, so each test spawns only the commands it is about. */
const append = (path: string, type: string, payload: Record<string, unknown> = {}) =>
  createEventsClient({ baseUrl: server.url }).append({ path, event: { type, payload } });

describe("tributary append", () => {
  it("appends an event and prints it as stored", async () => {
    const result = await cli(["append", "/cli/append", '{"type":"hello-world","payload":{"n":1}}']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: "hello-world", payload: { n: 1 }, streamPath: "/cli/append", offset: 1 });
    expect((await readAll(server.url, "/cli/append")).map((event) => event.type)).toEqual(["hello-world"]);
  });

  it("reads the event from standard input with '-', appends a batch, and finds the server through TRIBUTARY_URL", async () => {
    const fromStdin = await runCli(["append", "/cli/stdin", "-"], { TRIBUTARY_URL: server.url }, '{"type":"piped"}');
    expect(fromStdin.code).toBe(0);
    const batch = await cli(["append", "/cli/stdin", '{"events":[{"type":"a"},{"type":"b"}]}']);
    expect(batch.code).toBe(0);
    expect(JSON.parse(batch.stdout).map((event: { offset: number }) => event.offset)).toEqual([2, 3]);
    expect((await readAll(server.url, "/cli/stdin")).map((event) => event.type)).toEqual(["piped", "a", "b"]);
  });

  it("appends into the project named by --project", async () => {
    expect((await cli(["append", "/cli/project", '{"type":"x"}', "--project", "team-a"])).code).toBe(0);
    expect(await readAll(server.url, "/cli/project")).toEqual([]);
    expect(await readAll(server.url, "/cli/project", "team-a")).toHaveLength(1);
  });

  it("refuses bad JSON, a missing argument, a bad flag and an invalid event with a message and a non-zero exit, storing nothing", async () => {
    const [badJson, missing, badFlag, reserved, noType, badUrl, badProject] = await Promise.all([
      cli(["append", "/cli/refused", "{type:x}"]),
      cli(["append", "/cli/refused"]),
      cli(["append", "/cli/refused", '{"type":"x"}', "--bogus"]),
      cli(["append", "/cli/refused", '{"type":"stream/child-created","payload":{"childPath":"/x"}}']),
      cli(["append", "/cli/refused", '{"payload":{}}']),
      runCli(["append", "/cli/refused", '{"type":"x"}', "--url", "not a url"]),
      cli(["append", "/cli/refused", '{"type":"x"}', "--project", "no spaces"]),
    ]);
    expect(badJson).toMatchObject({ code: 2, stderr: expect.stringContaining("not valid JSON") });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("takes a path and a JSON event") });
    expect(badFlag).toMatchObject({ code: 2, stderr: expect.stringContaining("--bogus") });
    expect(reserved).toMatchObject({ code: 1, stderr: expect.stringContaining("[reserved_type]") });
    expect(noType).toMatchObject({ code: 1, stderr: expect.stringContaining("[invalid_event]") });
    expect(badUrl).toMatchObject({ code: 2, stderr: expect.stringContaining("--url must be an http(s) URL") });
    expect(badProject).toMatchObject({ code: 2, stderr: expect.stringContaining("--project") });
    expect(await readAll(server.url, "/cli/refused")).toEqual([]);
  });

  it("says the server is unreachable and how to start one", async () => {
    const result = await runCli(["append", "/a", '{"type":"x"}', "--url", "http://127.0.0.1:9"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Cannot reach the Tributary server at http://127.0.0.1:9");
    expect(result.stderr).toContain("npx tributary serve");
  });
});

describe("tributary tail", () => {
  it("prints one readable line per event, or one JSON object per line with --json", async () => {
    await append("/cli/tail", "first", { n: 1 });
    await append("/cli/tail", "second");
    const [pretty, json] = await Promise.all([cli(["tail", "/cli/tail"]), cli(["tail", "/cli/tail", "--json", "--after", "1"])]);
    expect(pretty.code).toBe(0);
    const lines = pretty.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^#1\s+\d\d:\d\d:\d\d\.\d{3}\s+first\s+\{"n":1\}$/);
    expect(lines[1]).toMatch(/^#2\s+\S+\s+second$/);

    expect(
      json.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toMatchObject([{ type: "second", offset: 2, streamPath: "/cli/tail" }]);
  });

  it("keeps following with --live until stopped, and exits 0 on SIGTERM", async () => {
    await append("/cli/live", "before");
    const tail = spawnProcess([tributaryBin, "tail", "/cli/live", "--live", "--json", "--url", server.url]);
    await tail.waitForOutput(/"type":"before"/);
    await append("/cli/live", "after");
    await tail.waitForOutput(/"type":"after"/);
    expect((await tail.stop()).code).toBe(0);
    expect(
      tail
        .stdout()
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).type),
    ).toEqual(["before", "after"]);
  });

  it("refuses a bad --after, a missing path and an unreachable server", async () => {
    const [badAfter, noPath, unreachable] = await Promise.all([
      cli(["tail", "/cli/tail", "--after", "soon"]),
      cli(["tail"]),
      runCli(["tail", "/a", "--url", "http://127.0.0.1:9"]),
    ]);
    expect(badAfter).toMatchObject({ code: 2, stderr: expect.stringContaining("--after must be") });
    expect(noPath).toMatchObject({ code: 2, stderr: expect.stringContaining("one stream path") });
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining("Cannot reach") });
  });
});

describe("tributary ls", () => {
  it("prints the tree under a path with event counts, or the listing as JSON", async () => {
    await append("/cli/ls/a/b", "x");
    await append("/cli/ls/a-c", "x");
    await append("/cli/ls/a-c", "x");
    const [tree, listing, empty] = await Promise.all([cli(["ls", "/cli/ls"]), cli(["ls", "/cli/ls", "--json"]), cli(["ls", "/cli/nothing-here"])]);
    expect(tree.code).toBe(0);
    expect(
      tree.stdout
        .trimEnd()
        .split("\n")
        .map((line) => line.trimEnd()),
    ).toEqual(["/cli/ls  3 events", "  a      1 event", "    b    1 event", "  a-c    2 events"]);
    const json = JSON.parse(listing.stdout);
    expect(json.streams.map((stream: { path: string }) => stream.path).sort()).toEqual(["/cli/ls/a", "/cli/ls/a-c", "/cli/ls/a/b"]);
    expect(empty.stdout).toContain("No streams under /cli/nothing-here.");
  });

  it("refuses a bad path and an unreachable server", async () => {
    const [badPath, unreachable] = await Promise.all([cli(["ls", "/a//b"]), runCli(["ls", "--url", "http://127.0.0.1:9"])]);
    expect(badPath).toMatchObject({ code: 2, stderr: expect.stringContaining("empty segment") });
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining("Cannot reach") });
  });
});

describe("--help", () => {
  it("describes every client command and exits 0", async () => {
    const commands = ["append", "tail", "ls", "run"];
    const [top, ...results] = await Promise.all([runCli(["--help"]), ...commands.map((command) => runCli([command, "--help"]))]);
    results.forEach((result, index) => {
      expect(result.code, commands[index]).toBe(0);
      expect(result.stdout).toContain(`Usage: tributary ${commands[index]}`);
      expect(result.stdout).toContain("--url");
    });
    for (const command of ["append", "tail", "ls", "run"]) expect(top.stdout).toMatch(new RegExp(`\\n  ${command}\\s`));
  });
});

describe("waitFor (support)", () => {
  it("fails with the condition's name after its deadline", async () => {
    await expect(waitFor(() => false, "something that never happens", 50)).rejects.toThrow("something that never happens");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { runCli } from "./support/cli-process.ts";

const adminToken = "cli-test-admin-token-0123456789abcdef";
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ auth: true, adminToken });
});
afterAll(() => server.close());

const cli = (args: string[], token?: string) => runCli([...args, "--url", server.url], token ? { TRIBUTARY_TOKEN: token } : {});

describe("tributary token", () => {
  it("creates a token the CLI then appends with, lists it, and revokes it", async () => {
    const created = await cli(["token", "create", "ci", "--scope", "append:/ci", "--scope", "read:/ci"], adminToken);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^trb_[0-9a-f]{16}_/);

    const appended = await cli(["append", "/ci/build", '{"type":"built"}'], token);
    expect(appended.code).toBe(0);
    expect(JSON.parse(appended.stdout).appendedBy).toMatchObject({ kind: "token", name: "ci" });
    const outside = await fetch(`${server.url}/api/streams/elsewhere`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: '{"type":"x"}' });
    expect(outside.status).toBe(403);

    const listed = await cli(["token", "list"], adminToken);
    const line = listed.stdout.split("\n").find((row) => row.includes(" ci "))!;
    expect(line).toContain("append:/ci read:/ci");
    const id = line.split(/\s+/)[0]!;
    expect((await cli(["token", "revoke", id], adminToken)).code).toBe(0);
    const revoked = await fetch(`${server.url}/api/streams/ci/build`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: '{"type":"x"}' });
    expect(revoked.status).toBe(401);
  }, 120_000);

  it("says what to do without a token, and with a bad scope", async () => {
    const missing = await cli(["token", "list"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/Set TRIBUTARY_TOKEN/);
    const bad = await cli(["token", "create", "x", "--scope", "write:/me"], adminToken);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/read, append or admin/);
  }, 120_000);
});

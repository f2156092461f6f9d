import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readAll, waitFor } from "../../sdk/test/support/wait-for.ts";
import { spawnProcess, tributaryBin } from "./support/cli-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tributary-serve-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Each bad-flag run starts a process (~2 s alone, 10+ s on a crowded machine): the default 60 s is too tight for a handful. */
const spawnsTimeoutMs = 180_000;

/** Runs `tributary serve` with each case's flags and expects a non-zero exit with the case's message. */
async function expectRefused(cases: readonly (readonly [readonly string[], RegExp])[]): Promise<void> {
  for (const [args, message] of cases) {
    const run = spawnProcess([tributaryBin, "serve", ...args]);
    const { code } = await run.exited;
    expect(code, args.join(" ")).not.toBe(0);
    expect(run.output()).toMatch(message);
  }
}

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

  it(
    "answers bad flags with a message that says what to fix and a non-zero exit",
    async () => {
      await expectRefused([
        [["--port", "http"], /--port must be an integer/],
        [["--fsync", "sometimes"], /--fsync must be normal or full/],
        [["--circuit-breaker", "lots"], /--circuit-breaker must be/],
        [["--database-url", "mysql://x"], /--database-url must be a postgres/],
        [["--log-level", "loud"], /--log-level must be/],
        [["--bogus"], /Unknown option '--bogus'/],
        [["--sandbox-cpu-ms", "fast"], /--sandbox-cpu-ms must be an integer from 1 to/],
        [["--sandbox-memory-mb", "4"], /--sandbox-memory-mb must be an integer from 8 to/],
        [["--sandbox-wall-ms", "0"], /--sandbox-wall-ms must be an integer from/],
        [["--sandbox-max-failures", "0"], /--sandbox-max-failures must be an integer from 1 to/],
      ]);
    },
    spawnsTimeoutMs,
  );

  it("answers a bad --lease-ttl with a message that says what to fix and a non-zero exit", async () => {
    await expectRefused([[["--lease-ttl", "soon"], /--lease-ttl must be a time between 100ms and 600s, such as 10s or 2.5s; got 'soon'/]]);
  });

  it(
    "answers bad quota flags with a message that says what to fix and a non-zero exit",
    async () => {
      await expectRefused([
        [["--schedule-quota", "100"], /--schedule-quota must be <per stream>\/<per project>/],
        [["--subscription-quota", "50/5"], /--subscription-quota must be .*second at least the first/],
        [["--min-schedule-interval", "0"], /--min-schedule-interval must be a number of seconds, at least 0.1/],
      ]);
    },
    spawnsTimeoutMs,
  );

  it(
    "answers bad --cluster-secret and --advertise-url flags with a message that says what to fix and a non-zero exit",
    async () => {
      const database = ["--database-url", "postgres://nobody@127.0.0.1:1/none"];
      await expectRefused([
        [["--cluster-secret", "0123456789abcdef"], /--cluster-secret needs --database-url/],
        [[...database, "--cluster-secret", "short"], /--cluster-secret must be at least 16 characters/],
        [[...database, "--advertise-url", "http://10.0.0.5:4000"], /--advertise-url needs --cluster-secret/],
        [[...database, "--cluster-secret", "0123456789abcdef", "--advertise-url", "10.0.0.5:4000"], /--advertise-url must be http\(s\):\/\/host:port/],
        [[...database, "--cluster-secret", "0123456789abcdef", "--host", "0.0.0.0", "--no-auth"], /needs --advertise-url/],
      ]);
    },
    spawnsTimeoutMs,
  );

  it("takes the quotas from --schedule-quota, --subscription-quota and --min-schedule-interval", async () => {
    const server = spawnProcess([
      tributaryBin,
      "serve",
      "--port",
      "0",
      "--data-dir",
      join(dataDir, "quotas"),
      "--schedule-quota",
      "1/2",
      "--subscription-quota",
      "1/1",
      "--min-schedule-interval",
      "10",
    ]);
    const [, url] = await server.waitForOutput(/listening on (http:\/\/\S+)/);
    const post = (event: unknown) => fetch(`${url}/api/streams/serve/quotas`, { method: "POST", body: JSON.stringify(event) });
    const schedule = (slug: string, seconds: number) => ({
      type: "schedule/configured",
      payload: { slug, event: { type: "tick" }, schedule: { kind: "every", seconds } },
    });
    const fast = await post(schedule("a", 5));
    expect(fast.status).toBe(403);
    expect((await fast.json()).message).toContain("at least 10 s apart");
    expect((await post(schedule("a", 60))).status).toBe(201);
    const second = await post(schedule("b", 60));
    expect(second.status).toBe(403);
    expect(await second.json()).toMatchObject({ code: "quota_exceeded", limit: 1, message: expect.stringContaining("(now 1/2)") });
    const hook = (slug: string) => ({ type: "subscription/configured", payload: { slug, url: "http://127.0.0.1:9/" } });
    expect((await post(hook("a"))).status).toBe(201);
    expect((await post(hook("b"))).status).toBe(403);
    expect((await server.stop("SIGTERM")).code).toBe(0);
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

  it("runs hosted processors under the sandbox limits its flags set, and keeps the secrets key in --secrets-key-file", { timeout: 180_000 }, async () => {
    const keyDir = mkdtempSync(join(tmpdir(), "tributary-keys-"));
    const keyFile = join(keyDir, "tributary.key");
    const ownData = join(dataDir, "limits");
    const server = spawnProcess([
      tributaryBin,
      "serve",
      "--port",
      "0",
      "--data-dir",
      ownData,
      "--log-level",
      "warn",
      "--sandbox-cpu-ms",
      "40",
      "--sandbox-memory-mb",
      "24",
      "--sandbox-wall-ms",
      "5000",
      "--sandbox-max-failures",
      "1",
      "--secrets-key-file",
      keyFile,
    ]);
    try {
      const [, url] = await server.waitForOutput(/listening on (http:\/\/\S+)/);
      const script = `export default { slug: "spin", initialState: 0, afterAppend: ({ event }) => { if (event.type === "spin") while (true) {} } };`;
      const deployed = await fetch(`${url}/api/streams/limits/spin`, {
        method: "POST",
        body: JSON.stringify({ type: "processor/deployed", payload: { slug: "spin", script } }),
      });
      expect(deployed.status).toBe(201);
      const find = (type: string) => waitFor(async () => (await readAll(url!, "/limits/spin")).find((event) => event.type === type), type, 90_000);
      await find("processor/started");
      await fetch(`${url}/api/streams/limits/spin`, { method: "POST", body: '{"type":"spin"}' });
      const error = await find("stream/error-occurred");
      // --sandbox-cpu-ms 40: the limit the error names.
      expect(error.payload).toMatchObject({ slug: "spin", kind: "cpu", limit: { cpuMs: 40 } });
      // --sandbox-max-failures 1: one failure suspends it.
      const suspended = await find("processor/suspended");
      expect(suspended.payload).toMatchObject({ slug: "spin", failures: 1 });

      const put = await fetch(`${url}/api/secrets/MODEL_KEY`, {
        method: "PUT",
        body: JSON.stringify({ value: "sk-flag-test", allowedHosts: ["example.com"] }),
      });
      expect(put.status).toBeLessThan(300);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(keyFile, "utf8")).toMatch(/^[0-9a-f]{64}\n/);
      expect(existsSync(join(ownData, "secrets.key"))).toBe(false);
      expect((await server.stop("SIGTERM")).code).toBe(0);
    } finally {
      await server.stop("SIGKILL");
      rmSync(keyDir, { recursive: true, force: true });
    }
  });
});

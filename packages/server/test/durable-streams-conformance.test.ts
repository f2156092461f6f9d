import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, testBackend, type TestServer } from "../src/testing.ts";

interface Report {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { assertionResults: { status: string; title: string; ancestorTitles: string[]; failureMessages: string[] }[] }[];
}

// Runs on SQLite (project main) and PostgreSQL (project server-on-postgres).
// The reference server (npm @durable-streams/server 0.3.7) passes 326 of the 338 on this machine (6 fail,
// 6 subscription tests are skipped unless a server opts in); the bar is 324.
const required = 324;
const longPollMs = 500;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { longPollMs } });
});
afterAll(async () => {
  await server?.close();
});

test("passes the public Durable Streams conformance suite at least as well as the reference server", { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "ds-conformance-"));
  const reportFile = join(dir, "report.json");
  const config = new URL("./support/ds-conformance/vitest.config.ts", import.meta.url).pathname;
  const vitest = new URL("../../../node_modules/vitest/vitest.mjs", import.meta.url).pathname;
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, "run", "--config", config, "--reporter=json", `--outputFile=${reportFile}`], {
      env: { ...process.env, CONFORMANCE_TEST_URL: server.url, CONFORMANCE_LONG_POLL_MS: String(longPollMs) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.on("error", reject);
    child.on("close", resolve);
  });
  let report: Report;
  try {
    report = JSON.parse(readFileSync(reportFile, "utf8")) as Report;
  } catch {
    throw new Error(`The conformance run (exit ${code}) wrote no report:\n${output.join("").slice(-4000)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const failures = report.testResults.flatMap((file) =>
    file.assertionResults
      .filter((result) => result.status === "failed")
      .map((result) => `  ✗ ${[...result.ancestorTitles, result.title].join(" › ")}: ${(result.failureMessages[0] ?? "").split("\n")[0]}`),
  );
  console.log(
    [
      `Durable Streams conformance (@durable-streams/server-conformance-tests, Tributary on ${testBackend}): ${report.numPassedTests} of ${report.numTotalTests} passed, ` +
        `${report.numFailedTests} failed, ${report.numPendingTests} skipped (required: ${required})`,
      ...failures,
    ].join("\n"),
  );
  expect(report.numTotalTests).toBe(338);
  expect(report.numPassedTests).toBeGreaterThanOrEqual(required);
});

// Runs the linter (npm run lint), the format check (npm run format:check) and then the whole test suite
// with vitest, and ends with one line "N passed, N failed" for CI to count; a lint or format failure
// counts as one failed test each.
// Extra arguments go to vitest (for example a file filter: npm test -- streams).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The suite drives real Chromium, PostgreSQL and python3; install them first where we can.
const setup = spawnSync("bash", [new URL("./ensure-system-deps.sh", import.meta.url).pathname], { stdio: "inherit" });
if (setup.status !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

// Lint first: it takes seconds, and its findings are printed before the long test output.
const lint = spawnSync("npm", ["run", "--silent", "lint"], { stdio: "inherit" });
const lintFailed = lint.status === 0 ? 0 : 1;
if (lintFailed) console.log("npm run lint failed (see above); counted as 1 failed test");
const format = spawnSync("npm", ["run", "--silent", "format:check"], { stdio: "inherit" });
const formatFailed = format.status === 0 ? 0 : 1;
if (formatFailed) console.log("npm run format:check failed (see above; npm run format fixes it); counted as 1 failed test");

const dir = mkdtempSync(join(tmpdir(), "tributary-test-report-"));
const report = join(dir, "report.json");
const run = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: "inherit",
});
let passed = 0;
let failed = 0;
try {
  const result = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number; numFailedTestSuites: number };
  passed = result.numPassedTests;
  failed = result.numFailedTests + (result.numFailedTests === 0 ? result.numFailedTestSuites : 0);
} catch {
  failed = Math.max(1, failed);
}
rmSync(dir, { recursive: true, force: true });
failed += lintFailed + formatFailed;
const code = run.status === 0 && failed === 0 ? 0 : 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(code);

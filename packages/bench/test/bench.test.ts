import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadGroups } from "../src/registry.ts";

const mainScript = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tributary-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(args: string[]) {
  return spawnSync(process.execPath, [mainScript, ...args], { encoding: "utf8", timeout: 540_000 });
}

const columns = [
  "Figure",
  "Tributary (SQLite)",
  "× HTTP floor",
  "× reference (memory)",
  "Target",
  "Result",
  "Tributary (PostgreSQL)",
  "Tributary (PostgreSQL, 3 servers)",
  "HTTP floor",
  "Storage floor (raw SQLite)",
  "Reference (memory)",
  "Reference (file)",
];

/** The report's results table: one record per row, keyed by column heading. */
function resultsTable(markdown: string): Map<string, Record<string, string>> {
  const lines = markdown.split("\n");
  const header = lines.findIndex((line) => line.startsWith("| Figure |"));
  const headings = lines[header]!.split(" | ").map((cell) => cell.replace(/^\| |\s*\|$/g, "").trim());
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line
      .slice(2, -2)
      .split(" | ")
      .map((cell) => cell.trim());
    rows.set(cells[0]!, Object.fromEntries(headings.map((heading, i) => [heading, cells[i] ?? ""])));
  }
  expect(headings).toEqual(columns);
  return rows;
}

const value = /^[\d,]+(\.\d+)? (ms|µs|appends\/s|events\/s|chunks\/s|KiB)( \([\d,.]+–[\d,.]+\))?( \(.+\))?$/;

describe("npm run bench", () => {
  it(
    "writes a report in --quick mode: every figure measured side by side with the floor and the reference, its ratios and its target",
    { timeout: 600_000 },
    async () => {
      const out = join(dir, "BENCHMARKS.md");
      const run = runBench(["--quick", "--out", out]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toContain("[1/");

      const report = readFileSync(out, "utf8");
      expect(report).toContain(`- **Command**: \`npm run bench -- --quick --out ${out}\``);
      expect(report).toMatch(/- \*\*Machine\*\*: .+, \d+ cores, [\d.]+ GiB memory/);
      expect(report).toMatch(/- \*\*PostgreSQL\*\*: .+/);
      expect(report).toContain("Runs are interleaved (A B C A B C …, 2 rounds)");

      const rows = resultsTable(report);
      const figures = (await loadGroups()).flatMap((group) => group.figures);
      for (const figure of figures) {
        const row = rows.get(figure.label)!;
        expect(row, `a row for "${figure.label}"`).toBeDefined();
        expect(row.Target).toBe(figure.target?.text ?? "—");
        if (figure.id.endsWith("-capped")) {
          // The capped scale-out rows compare PostgreSQL servers only; where cgroups cannot be written the
          // row says so instead of a verdict.
          expect(row["Tributary (SQLite)"], figure.label).toMatch(/^not measured: .+$/);
          expect(row.Result, figure.label).toMatch(/^(✅ pass|❌ miss|— \(a column it needs is missing\)|—)$/);
          if (row.Result!.startsWith("—")) expect(row["Tributary (SQLite)"]).toMatch(/cgroup|capped|PostgreSQL/);
          else expect(row["Tributary (PostgreSQL, 3 servers)"], figure.label).toMatch(value);
          continue;
        }
        // Tributary on SQLite is measured for every other figure, with the spread of its two runs where it had two.
        expect(row["Tributary (SQLite)"], figure.label).toMatch(value);
        expect(row.Result, figure.label).toMatch(figure.target ? /^(✅ pass|❌ miss)$/ : /^\(context\)$/);
        for (const column of ["× HTTP floor", "× reference (memory)"]) expect(row[column], `${figure.label}: ${column}`).toMatch(/^(\d+\.\d\d×)?$/);
        for (const column of columns.slice(6))
          expect(row[column], `${figure.label}: ${column}`).toMatch(new RegExp(`^(|not measured: .+|${value.source.slice(1, -1)})$`));
      }
      // Every miss is named under the table, with where its time goes.
      const missed = figures.filter((figure) => rows.get(figure.label)!.Result === "❌ miss").map((figure) => figure.label);
      if (missed.length === 0) expect(report).toContain("Every figure with a target met it in this run.");
      else {
        const line = report.split("\n").find((text) => text.startsWith("Missed in this run: "));
        expect(line, "a line naming the misses").toBeDefined();
        for (const label of missed) expect(line).toContain(label);
        expect(line).toContain("packages/bench/README.md#where-the-time-goes-the-misses");
      }
      // The floor and the reference are measured in the same run for every workload that has them.
      for (const label of [
        "Sequential append latency p50",
        "Appends/s, one stream, 32 concurrent clients",
        "Append → live SSE reader round trip p50",
        "Catch-up read over SSE",
        "Catch-up read over JSON pages",
      ]) {
        const row = rows.get(label)!;
        expect(row["HTTP floor"], label).toMatch(value);
        expect(row["Reference (memory)"], label).toMatch(value);
        expect(row["Reference (file)"], label).toMatch(value);
        expect(row["× HTTP floor"], label).toMatch(/^\d+\.\d\d×$/);
        expect(row["× reference (memory)"], label).toMatch(/^\d+\.\d\d×$/);
        expect(row["Tributary (PostgreSQL)"], label).toMatch(new RegExp(`^(not measured: .+|${value.source.slice(1, -1)})$`));
      }
      expect(rows.get("Sequential append latency p50")!["Storage floor (raw SQLite)"]).toMatch(value);
      expect(rows.get("Sequential append latency p50")!["Tributary (SQLite)"]).toMatch(/\(.+–.+\)$/);

      // Growth curves and charts: tables with a shape each, SVG files the report links.
      expect(report).toContain("## Cost growth");
      expect(report).toMatch(/Shape from 1,000 to 3,000 events: append (flat|sublinear|linear|superlinear)/);
      expect(report).toMatch(/\| Tributary \(SQLite\) \| [\d.-]+ KiB RSS/);
      const charts = [...report.matchAll(/!\[[^\]]+\]\((docs\/benchmarks\/[\w-]+\.svg)\)/g)].map((match) => match[1]!);
      expect(charts).toEqual(
        expect.arrayContaining(["docs/benchmarks/append-latency.svg", "docs/benchmarks/growth-stream.svg", "docs/benchmarks/growth-sse-memory.svg"]),
      );
      for (const chart of charts) {
        expect(existsSync(join(dir, chart)), chart).toBe(true);
        expect(readFileSync(join(dir, chart), "utf8")).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
      }
    },
  );

  it("refuses an unknown --only group and names the groups it takes", async () => {
    const run = runBench(["--only", "appends,nonsense"]);
    expect(run.status).toBe(2);
    const names = (await loadGroups()).map((group) => group.name).join(", ");
    expect(run.stderr).toContain(`--only takes ${names}; got nonsense`);
  });

  it("refuses an unknown flag and a bad --rounds, and points at --help", () => {
    const flag = runBench(["--fast"]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("--help");
    const rounds = runBench(["--rounds", "zero"]);
    expect(rounds.status).toBe(2);
    expect(rounds.stderr).toContain("--rounds takes a whole number from 1 to 20; got zero");
  });
});

describe("the registry of groups", () => {
  it("finds every group file in groups/, each with a unique name and unique figure ids", async () => {
    const groups = await loadGroups();
    expect(groups.map((group) => group.name)).toEqual(expect.arrayContaining(["appends", "live", "fanout", "catchup", "growth", "agent"]));
    const ids = groups.flatMap((group) => group.figures.map((figure) => figure.id));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

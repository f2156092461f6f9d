/**
 * `npm run bench [-- --quick] [--out FILE] [--only GROUPS] [--rounds N] [--profile DIR]`: runs every
 * workload against Tributary, the HTTP and storage floors and the Durable Streams reference server side
 * by side, and writes BENCHMARKS.md (and its charts) at the repository root.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chartsDir, type Chart } from "./charts.ts";
import { createCpuAccounting, waitForQuietMachine } from "./cpu-accounting.ts";
import type { FigureResult } from "./figures.ts";
import { closeSharedSubjects, type GroupContext } from "./group.ts";
import { describeMachine } from "./machine.ts";
import { startBenchPostgres } from "./postgres.ts";
import { createProgress } from "./progress.ts";
import { loadGroups } from "./registry.ts";
import { renderReport } from "./report.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export async function main(argv: string[]): Promise<number> {
  const groups = await loadGroups();
  const groupNames = groups.map((group) => group.name);
  const help = `Usage: npm run bench [-- options]

Runs each workload against Tributary (SQLite, and PostgreSQL when installed), the HTTP floor, the
storage floor and the Durable Streams reference server (in memory and file-backed), interleaved, and
writes BENCHMARKS.md with charts in ${chartsDir}/. The full run takes about fifteen minutes.

Options:
  --quick            a short smoke run with small workloads (figures not worth quoting)
  --out <file>       where to write the report (default: BENCHMARKS.md at the repository root)
  --only <groups>    comma-separated subset of: ${groupNames.join(", ")}
  --rounds <n>       interleaved runs per figure (default 3; 2 with --quick)
  --profile <dir>    write a V8 CPU profile of each server process to <dir>
                     (summarise one with: node packages/bench/src/profile-summary.ts <file>)
  -h, --help         show this help`;
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean" },
        out: { type: "string" },
        only: { type: "string" },
        rounds: { type: "string" },
        profile: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`bench: ${(error as Error).message.replace(/\. To specify.*$/s, "")}. See 'npm run bench -- --help'.`);
    return 2;
  }
  if (values.help) {
    console.log(help);
    return 0;
  }
  const only = values.only?.split(",").map((name) => name.trim()) ?? groupNames;
  const unknown = only.filter((name) => !groupNames.includes(name));
  if (unknown.length > 0) {
    console.error(`bench: --only takes ${groupNames.join(", ")}; got ${unknown.join(", ")}.`);
    return 2;
  }
  const quick = values.quick === true;
  const rounds = values.rounds === undefined ? (quick ? 2 : 3) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    console.error(`bench: --rounds takes a whole number from 1 to 20; got ${values.rounds}.`);
    return 2;
  }
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const out = resolve(values.out ?? resolve(repoRoot, "BENCHMARKS.md"));

  const startedAt = new Date();
  const machine = describeMachine(tmpdir());
  const selected = groups.filter((group) => only.includes(group.name));
  const progress = createProgress(selected.reduce((total, group) => total + group.steps(quick), 0));
  progress.note(`Tributary bench${quick ? " (quick)" : ""}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage}`);

  // Other processes on a 2-core machine skew every figure: wait a while for quiet, and report the rest.
  const quietCores = await waitForQuietMachine({
    maxCores: 0.2,
    maxWaitMs: quick ? 0 : 60_000,
    onWait: (cores) => progress.tick(`waiting for the machine to quieten: other processes use ${(100 * cores).toFixed(0)}% of a core`),
  });
  if (quietCores > 0.2) progress.note(`Other processes use ${(100 * quietCores).toFixed(0)}% of a core; the figures will suffer.`);

  const postgres = await startBenchPostgres();
  // An interrupted run stops its PostgreSQL cluster (the server processes stop when this process goes).
  const onSignal = (signal: NodeJS.Signals) => {
    const stopped = typeof postgres === "string" ? Promise.resolve() : postgres.stop();
    void stopped.finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  progress.note(typeof postgres === "string" ? `No PostgreSQL column: ${postgres}.` : "PostgreSQL: a private cluster for this run.");
  const results = new Map<string, FigureResult>();
  const charts: Chart[] = [];
  const context: GroupContext = {
    quick,
    rounds,
    progress,
    results,
    details: [],
    charts,
    sections: [],
    cpu: createCpuAccounting(),
    profileDir,
    postgres,
    ...(quick ? { shared: new Map() } : {}),
  };
  try {
    for (const group of selected) await group.run(context);
  } finally {
    await closeSharedSubjects(context);
    if (typeof postgres !== "string") await postgres.stop();
  }
  for (const group of groups.filter((group) => !only.includes(group.name))) {
    for (const figure of group.figures) results.set(figure.id, { notMeasured: "not selected in this run (--only)" });
  }
  const otherCores = context.cpu.otherCores();

  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  const report = renderReport({
    startedAt,
    command,
    quick,
    rounds,
    machine,
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    figures: groups.flatMap((group) => group.figures),
    results,
    details: context.details,
    charts,
    sections: context.sections,
    loadAverageAtEnd: describeMachine(tmpdir()).loadAverage,
    otherCores,
    postgres:
      typeof postgres === "string"
        ? `no column in this run: ${postgres}`
        : "a private cluster started for the run by the server tests' helper (initdb + pg_ctl, `fsync=off` as in the tests: faster than a durable PostgreSQL)",
  });
  const chartDir = join(dirname(out), chartsDir);
  mkdirSync(chartDir, { recursive: true });
  for (const chart of charts) writeFileSync(join(chartDir, chart.file), chart.svg);
  writeFileSync(out, report);
  progress.note(`\nWrote ${out} and ${charts.length} charts in ${chartDir}`);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error("bench failed:", error);
      process.exit(1);
    },
  );
}

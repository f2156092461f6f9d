/**
 * `npm run bench [-- --quick] [--out FILE] [--only GROUPS] [--profile DIR]`: measures the targets of
 * SPEC §10 against a real server in a child process and writes BENCHMARKS.md at the repository root.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCpuAccounting, waitForQuietMachine } from "./cpu-accounting.ts";
import type { FigureId, FigureResult } from "./figures.ts";
import { describeMachine } from "./machine.ts";
import { createProgress } from "./progress.ts";
import { renderReport } from "./report.ts";
import { runGroups, groupNames, type GroupName } from "./groups.ts";

const help = `Usage: npm run bench [-- options]

Measures SPEC §10's targets against a real server (a child process on a fresh data directory) and
writes BENCHMARKS.md. The full run takes a few minutes.

Options:
  --quick            a short smoke run with small workloads (figures not worth quoting)
  --out <file>       where to write the report (default: BENCHMARKS.md at the repository root)
  --only <groups>    comma-separated subset of: ${groupNames.join(", ")}
  --profile <dir>    write a V8 CPU profile of each server process to <dir>
                     (summarise one with: node packages/bench/src/profile-summary.ts <file>)
  -h, --help         show this help`;

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean" },
        out: { type: "string" },
        only: { type: "string" },
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
  const only = values.only?.split(",").map((name) => name.trim()) ?? [...groupNames];
  const unknown = only.filter((name) => !(groupNames as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`bench: --only takes ${groupNames.join(", ")}; got ${unknown.join(", ")}.`);
    return 2;
  }
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const out = resolve(values.out ?? resolve(repoRoot, "BENCHMARKS.md"));
  const quick = values.quick === true;

  const startedAt = new Date();
  const machine = describeMachine(tmpdir());
  const results = new Map<FigureId, FigureResult>();
  const details: string[] = [];
  const selected = only as GroupName[];
  const progress = createProgress(selected.length);
  progress.note(`Tributary bench${quick ? " (quick)" : ""}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage}`);

  // Other processes on a 2-core machine skew every figure: wait a while for quiet, and report the rest.
  const quietCores = await waitForQuietMachine({
    maxCores: 0.2,
    maxWaitMs: quick ? 0 : 60_000,
    onWait: (cores) => progress.tick(`waiting for the machine to quieten: other processes use ${(100 * cores).toFixed(0)}% of a core`),
  });
  if (quietCores > 0.2) progress.note(`Other processes use ${(100 * quietCores).toFixed(0)}% of a core; the figures will suffer.`);
  const cpu = createCpuAccounting();
  await runGroups(selected, { quick, progress, results, details, profileDir, cpu });
  const otherCores = cpu.otherCores();

  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  const report = renderReport({
    startedAt,
    command,
    quick,
    machine,
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    results,
    details,
    loadAverageAtEnd: describeMachine(tmpdir()).loadAverage,
    otherCores,
  });
  writeFileSync(out, report);
  progress.note(`\nWrote ${out}`);
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

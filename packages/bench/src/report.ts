import { figures, type FigureId, type FigureResult, type FigureSpec } from "./figures.ts";
import type { Machine } from "./machine.ts";

export interface BenchReport {
  startedAt: Date;
  command: string;
  quick: boolean;
  machine: Machine;
  durationSeconds: number;
  results: Map<FigureId, FigureResult>;
  /** One markdown bullet per scenario: its workload and what the server's process was doing. */
  details: string[];
  loadAverageAtEnd: string;
  /** Other processes' average CPU use during the run, in cores. */
  otherCores: number;
}

/**
 * Renders BENCHMARKS.md: the machine, the command, and every figure of SPEC §10 next to its target.
 *
 * @example
 * writeFileSync("BENCHMARKS.md", renderReport(report));
 */
export function renderReport(report: BenchReport): string {
  const { machine } = report;
  const rows = figures.map((figure: FigureSpec) => {
    const result = report.results.get(figure.id as FigureId) ?? { notMeasured: "the benchmark did not run" };
    const measured =
      "value" in result ? `${formatValue(result.value, figure.unit)}${result.caveat ? ` (${result.caveat})` : ""}` : `not measured: ${result.notMeasured}`;
    const meets = "value" in result && figure.target?.meets(result.value) === true && result.shortOfWorkload !== true;
    const verdict = !("value" in result) ? "—" : figure.target ? (meets ? "✅ pass" : "❌ miss") : "(context)";
    const reference = ("value" in result ? result.reference : undefined) ?? figure.reference ?? "";
    return `| ${figure.label} | ${measured} | ${figure.target?.text ?? "—"} | ${verdict} | ${reference} |`;
  });
  return `# Benchmarks

Written by \`npm run bench\`${report.quick ? " **in --quick mode (a smoke run: short, small workloads; not the figures to quote)**" : ""}. Do not edit by hand: run it again.

- **Date**: ${report.startedAt.toISOString()} (took ${report.durationSeconds.toFixed(0)} s)
- **Command**: \`${report.command}\`
- **Machine**: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} memory
- **OS**: ${machine.os}
- **Node**: ${machine.node}
- **Disk**: ${machine.disk}
- **Other work on the machine during the run**: other processes used ${(100 * report.otherCores).toFixed(0)}% of one core on average${report.otherCores > 0.2 ? " — **a busy machine: these figures are lower than a quiet one gives**" : ""} (load average at start ${machine.loadAverage}, at end ${report.loadAverageAtEnd}).

The server runs in its own process (\`startServer\`, SQLite on a fresh data directory, default
\`fsync normal\`: WAL with synchronous=NORMAL, so every acknowledged append survives a crash of the server
process), the load generator in this one, over loopback with keep-alive connections. Both share the
machine's cores. Targets are SPEC §10's.

## Results

| Figure | Measured | Target (SPEC §10) | Result | Durable Streams reference server (Durable Streams rows measured in this run; the others quoted from SPEC §10, not measured here) |
| --- | --- | --- | --- | --- |
${rows.join("\n")}

The reference figures of the Durable Streams face rows were measured in this run: the same workload
against the reference server (npm \`@durable-streams/server\`, file-backed) in its own process. The other
reference figures are that server's own, quoted from SPEC §10, not measured here (one workload of its own),
and are not a like-for-like comparison. \`--fsync full\` rows show the price of durability against power loss (an fsync
of the WAL per commit group); they have no target of their own.

## Workloads and what the server was doing

${report.details.join("\n")}
`;
}

function formatValue(value: number, unit: FigureSpec["unit"]): string {
  if (unit === "ms") return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
  if (unit === "µs") return `${value.toFixed(1)} µs`;
  return `${Math.round(value).toLocaleString("en-US")} ${unit}`;
}

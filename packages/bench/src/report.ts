import { chartsDir, type Chart } from "./charts.ts";
import { ratio, type ColumnId, type FigureResult, type FigureSpec, type MeasuredFigure, type Spread } from "./figures.ts";
import type { Machine } from "./machine.ts";

export interface BenchReport {
  startedAt: Date;
  command: string;
  quick: boolean;
  rounds: number;
  machine: Machine;
  durationSeconds: number;
  figures: FigureSpec[];
  results: Map<string, FigureResult>;
  /** One markdown bullet per workload: what it did and what the servers were doing. */
  details: string[];
  charts: Chart[];
  sections: string[];
  loadAverageAtEnd: string;
  /** Other processes' average CPU use during the run, in cores. */
  otherCores: number;
  /** The PostgreSQL column's server, or why there is none. */
  postgres: string;
}

/** The table's value columns, after Tributary (SQLite) and its ratios. */
const columns: { id: ColumnId; heading: string }[] = [
  { id: "postgres", heading: "Tributary (PostgreSQL)" },
  { id: "postgres-3", heading: "Tributary (PostgreSQL, 3 servers)" },
  { id: "floor", heading: "HTTP floor" },
  { id: "storage", heading: "Storage floor (raw SQLite)" },
  { id: "ds-memory", heading: "Reference (memory)" },
  { id: "ds-file", heading: "Reference (file)" },
];

/**
 * Renders BENCHMARKS.md: the machine, the command, and every figure as Tributary's value (median of the
 * interleaved runs, with their spread), its ratio to the floor and to the reference, and its target.
 *
 * @example
 * writeFileSync("BENCHMARKS.md", renderReport(report));
 */
export function renderReport(report: BenchReport): string {
  const { machine } = report;
  const rows = report.figures.map((figure) => {
    const result = report.results.get(figure.id) ?? { notMeasured: "the benchmark did not run" };
    if (!("values" in result))
      return `| ${figure.label} | not measured: ${result.notMeasured} |  |  | ${figure.target?.text ?? "—"} | — |${columns.map(() => "  |").join("")}`;
    const sqlite = result.values.sqlite;
    const measured = sqlite
      ? `${spreadText(sqlite, figure.unit)}${result.caveat ? ` (${result.caveat})` : ""}`
      : `not measured${result.caveat ? `: ${result.caveat}` : ""}`;
    const verdict = verdictOf(figure, result);
    const cells = columns.map(({ id }) => {
      const value = result.values[id];
      if (value) return spreadText(value, figure.unit);
      return result.missing?.[id] ? `not measured: ${result.missing[id]}` : "";
    });
    return `| ${figure.label} | ${measured} | ${ratioText(result, "floor")} | ${ratioText(result, "ds-memory")} | ${figure.target?.text ?? "—"} | ${verdict} | ${cells.join(" | ")} |`;
  });
  const misses = report.figures.filter((figure) => {
    const result = report.results.get(figure.id);
    return result !== undefined && "values" in result && verdictOf(figure, result) === "❌ miss";
  });
  const missesText =
    misses.length === 0
      ? "Every figure with a target met it in this run.\n"
      : `Missed in this run: ${misses.map((figure) => figure.label).join("; ")}. Where their time goes, with the profiles and probes that show it and what was tried, is in [packages/bench/README.md](packages/bench/README.md#where-the-time-goes-the-misses) ("Where the time goes").\n`;
  // Charts a section embeds itself (the growth curves) are left to it.
  const charts = report.charts.filter((chart) => !report.sections.some((section) => section.includes(chart.file)));
  return `# Benchmarks

Written by \`npm run bench\`${report.quick ? " **in --quick mode (a smoke run: short, small workloads; not the figures to quote)**" : ""}. Do not edit by hand: run it again.

- **Date**: ${report.startedAt.toISOString()} (took ${report.durationSeconds.toFixed(0)} s)
- **Command**: \`${report.command}\`
- **Machine**: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} memory
- **OS**: ${machine.os}
- **Node**: ${machine.node}
- **Disk**: ${machine.disk}
- **PostgreSQL**: ${report.postgres}
- **Other work on the machine during the run**: other processes used ${(100 * report.otherCores).toFixed(0)}% of one core on average${report.otherCores > 0.2 ? " — **a busy machine: the absolute figures are lower than a quiet one gives; the ratios, measured side by side, hold better**" : ""} (load average at start ${machine.loadAverage}, at end ${report.loadAverageAtEnd}).

Every workload runs, in the same run and with the same client code, against each server in its own
process on this machine, over loopback with keep-alive connections:

- **Tributary (SQLite)**: \`startServer\` on a fresh data directory, \`fsync normal\` (WAL,
  synchronous=NORMAL: every acknowledged append survives \`kill -9\` of the server). The value the targets judge.
- **Tributary (PostgreSQL)**: the same server on a private PostgreSQL cluster started for the run.
- **Tributary (PostgreSQL, 3 servers)**: three such servers on one database, the load split evenly over
  them (the scale-out rows only, on a cluster of their own with fsync on).
- **HTTP floor**: a bare \`node:http\` server that stores nothing (\`floor-child.ts\`): the least any server
  must do per request. For reads it synthesises events of the same size; for live readers it writes the
  appends' frames to every reader, gathered per event-loop turn.
- **Storage floor**: raw SQLite inserts (node:sqlite, WAL, synchronous=NORMAL) in the bench process, no HTTP.
- **Reference (memory / file)**: the Durable Streams reference server, npm \`@durable-streams/server\`, in
  memory and file-backed, spoken to in its own protocol (JSON streams).

Runs are interleaved (A B C A B C …, ${report.rounds} rounds) and each cell is the median run with the
spread (min–max) in brackets, so noise shows as spread rather than as a difference. The ratios are
Tributary (SQLite)'s median over the other column's median; the targets are SPEC §10's, written as ratios.

## Results

| Figure | Tributary (SQLite) | × HTTP floor | × reference (memory) | Target | Result | ${columns.map((column) => column.heading).join(" | ")} |
| --- | --- | --- | --- | --- | --- | ${columns.map(() => "---").join(" | ")} |
${rows.join("\n")}

${missesText}
${charts.map((chart) => `![${chart.title}](${chartsDir}/${chart.file})`).join("\n\n")}

${report.sections.join("\n")}
## Workloads and what the servers were doing

${report.details.join("\n")}
`;
}

function verdictOf(figure: FigureSpec, result: MeasuredFigure): string {
  if (!figure.target) return "(context)";
  const meets = figure.target.meets(result);
  if (meets === undefined) return "— (a column it needs is missing)";
  return meets && result.shortOfWorkload !== true ? "✅ pass" : "❌ miss";
}

function ratioText(result: MeasuredFigure, to: ColumnId): string {
  const value = ratio(result, to);
  return value === undefined ? "" : `${value.toFixed(2)}×`;
}

function spreadText(spread: Spread, unit: FigureSpec["unit"]): string {
  if (spread.runs.length === 1) return formatValue(spread.median, unit);
  return `${formatValue(spread.median, unit)} (${formatNumber(spread.min, unit)}–${formatNumber(spread.max, unit)})`;
}

function formatNumber(value: number, unit: FigureSpec["unit"]): string {
  if (unit === "ms") return value < 10 ? value.toFixed(2) : value.toFixed(1);
  if (unit === "µs" || unit === "KiB") return value.toFixed(1);
  return Math.round(value).toLocaleString("en-US");
}

function formatValue(value: number, unit: FigureSpec["unit"]): string {
  return `${formatNumber(value, unit)} ${unit}`;
}

import type { SubjectId } from "./subjects.ts";

/**
 * A figure of the report: one workload's result on every subject measured in the same run, and its
 * target as a ratio to the floor or the reference (SPEC §10). Groups (groups/) declare their figures;
 * the report's table lists them in the groups' order.
 */
export interface FigureSpec {
  id: string;
  label: string;
  unit: Unit;
  /** Which way is better: latencies are `lower`, rates `higher`. */
  better: "lower" | "higher";
  target?: Target;
}

export type Unit = "ms" | "µs" | "appends/s" | "events/s" | "chunks/s" | "KiB";

/**
 * A column of the report: a subject, the storage floor (raw SQLite inserts in the bench process), or three
 * Tributary servers on one PostgreSQL database (the scale-out group).
 */
export type ColumnId = SubjectId | "storage" | "postgres-3";

/** The median of several interleaved runs, and their spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export interface MeasuredFigure {
  values: Partial<Record<ColumnId, Spread>>;
  /** Why a column is missing (PostgreSQL not installed, a server that could not run the workload). */
  missing?: Partial<Record<ColumnId, string>>;
  /** Printed next to the value. */
  caveat?: string;
  /** Measured under a workload short of the target's: a miss whatever its value. */
  shortOfWorkload?: boolean;
}

export type FigureResult = MeasuredFigure | { notMeasured: string };

export interface Target {
  text: string;
  /** Whether Tributary (SQLite) meets it; undefined when a column it needs is missing. */
  meets(figure: MeasuredFigure): boolean | undefined;
}

/**
 * The median, min and max of a set of runs.
 *
 * @example
 * spreadOf([3, 1, 2]); // { median: 2, min: 1, max: 3, runs: [3, 1, 2] }
 */
export function spreadOf(runs: number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, runs };
}

/** Tributary (SQLite) over another column, the ratio every target is written in. */
export function ratio(figure: MeasuredFigure, to: ColumnId, of: ColumnId = "sqlite"): number | undefined {
  const value = figure.values[of]?.median;
  const other = figure.values[to]?.median;
  return value === undefined || other === undefined || other === 0 ? undefined : value / other;
}

const columnNames: Record<ColumnId, string> = {
  sqlite: "Tributary (SQLite)",
  postgres: "Tributary (PostgreSQL)",
  "postgres-3": "Tributary (PostgreSQL, 3 servers)",
  floor: "the HTTP floor",
  storage: "the storage floor",
  "ds-memory": "the reference in memory",
  "ds-file": "the reference file-backed",
};

/** Tributary ≤ `limit` × the `to` column (a latency). */
export function ratioAtMost(to: ColumnId, limit: number): Target {
  return { text: `≤ ${limit}× ${columnNames[to]}`, meets: (figure) => mapDefined(ratio(figure, to), (r) => r <= limit) };
}

/** Tributary ≥ `limit` × the `to` column (a rate). */
export function ratioAtLeast(to: ColumnId, limit: number, of: ColumnId = "sqlite"): Target {
  const who = of === "sqlite" ? "" : `${columnNames[of]} `;
  return { text: `${who}≥ ${limit}× ${columnNames[to]}`, meets: (figure) => mapDefined(ratio(figure, to, of), (r) => r >= limit) };
}

/** Tributary at most `limit` more than the `to` column (the agent's added time to first token). */
export function addedAtMost(to: ColumnId, limit: number, unit: Unit, toName = columnNames[to]): Target {
  return {
    text: `≤ ${toName} + ${limit} ${unit}`,
    meets: (figure) => {
      const value = figure.values.sqlite?.median;
      const other = figure.values[to]?.median;
      return value === undefined || other === undefined ? undefined : value - other <= limit;
    },
  };
}

export function atLeast(limit: number, unit: Unit): Target {
  return { text: `≥ ${limit.toLocaleString("en-US")} ${unit}`, meets: (figure) => mapDefined(figure.values.sqlite?.median, (v) => v >= limit) };
}

/** Every one of the targets. */
export function allOf(...targets: Target[]): Target {
  return {
    text: targets.map((target) => target.text).join(" and "),
    meets: (figure) => {
      const verdicts = targets.map((target) => target.meets(figure));
      if (verdicts.includes(false)) return false;
      return verdicts.includes(undefined) ? undefined : true;
    },
  };
}

function mapDefined<T, R>(value: T | undefined, map: (value: T) => R): R | undefined {
  return value === undefined ? undefined : map(value);
}

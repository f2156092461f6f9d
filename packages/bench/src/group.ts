import type { Chart } from "./charts.ts";
import type { createCpuAccounting } from "./cpu-accounting.ts";
import { spreadOf, type ColumnId, type FigureResult, type FigureSpec, type MeasuredFigure } from "./figures.ts";
import type { PrivatePostgres } from "./postgres.ts";
import type { Progress } from "./progress.ts";
import { startSubject, type RunningSubject, type SubjectId } from "./subjects.ts";

/**
 * A group of workloads: one file in groups/, found by the registry (registry.ts), so a new workload is a
 * new file there. Each group starts its own servers, so one group's data cannot slow another's.
 *
 * @example
 * export const group: BenchGroup = { name: "appends", order: 10, steps: () => 3, figures: [...], run: async (context) => { ... } };
 */
export interface BenchGroup {
  /** The name `--only` takes. */
  name: string;
  /** Where its rows go in the report (lower first). */
  order: number;
  /** How many progress steps it shows. */
  steps(quick: boolean): number;
  /** Its rows in the report's table; each must be given a result by `run`. */
  figures: FigureSpec[];
  run(context: GroupContext): Promise<void>;
}

export interface GroupContext {
  quick: boolean;
  /** Interleaved runs per figure (A B A B …): the report gives their median and spread. */
  rounds: number;
  progress: Progress;
  results: Map<string, FigureResult>;
  /** One markdown bullet per workload: what it did and what the servers were doing. */
  details: string[];
  charts: Chart[];
  /** Extra sections of the report (the growth curves), markdown. */
  sections: string[];
  cpu: ReturnType<typeof createCpuAccounting>;
  profileDir?: string | undefined;
  /** The run's private PostgreSQL cluster, or why there is none. */
  postgres: PrivatePostgres | string;
  /**
   * Servers kept running from group to group (in --quick mode, where starting 25 processes would be most
   * of the run); otherwise undefined, and each group starts its own. `closeSharedSubjects` stops them.
   */
  shared?: Map<SubjectId, RunningSubject>;
}

/**
 * Starts the subjects (those that can run here), runs `work` with them, and stops them. A subject that
 * cannot start (PostgreSQL absent) is left out and its reason kept for the report.
 *
 * @example
 * await withSubjects(context, ["sqlite", "floor"], async (running, missing) => { ... });
 */
export async function withSubjects(
  context: GroupContext,
  ids: readonly SubjectId[],
  work: (running: RunningSubject[], missing: Partial<Record<ColumnId, string>>) => Promise<void>,
): Promise<void> {
  const running: RunningSubject[] = [];
  const started: RunningSubject[] = [];
  const missing: Partial<Record<ColumnId, string>> = {};
  try {
    for (const id of ids) {
      if (id === "postgres" && typeof context.postgres === "string") {
        missing.postgres = context.postgres;
        continue;
      }
      let subject = context.shared?.get(id);
      if (!subject) {
        subject = await startSubject(id, { postgres: typeof context.postgres === "string" ? undefined : context.postgres, profileDir: context.profileDir });
        if (context.shared) context.shared.set(id, subject);
        else started.push(subject);
      }
      // Starts the server's CPU and event-loop figures afresh, so start-up does not count as work.
      await subject.server.stats();
      running.push(subject);
    }
    await work(running, missing);
  } finally {
    for (const subject of started) context.cpu.addChild(await subject.server.close());
  }
}

/** Stops the servers kept running from group to group. */
export async function closeSharedSubjects(context: GroupContext): Promise<void> {
  for (const subject of context.shared?.values() ?? []) context.cpu.addChild(await subject.server.close());
  context.shared?.clear();
}

/**
 * Runs `measure` on every subject in turn, `rounds` times over (A B C A B C …), so a machine whose speed
 * drifts shows it as spread instead of as a difference between subjects. Returns each subject's runs.
 *
 * @example
 * const runs = await interleave(running, 3, (subject) => measureLatency(subject));
 */
export async function interleave<T>(
  running: RunningSubject[],
  rounds: number,
  measure: (subject: RunningSubject, round: number) => Promise<T>,
): Promise<Map<SubjectId, T[]>> {
  const runs = new Map<SubjectId, T[]>(running.map((subject) => [subject.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of running) runs.get(subject.id)!.push(await measure(subject, round));
  }
  return runs;
}

/** A figure from each subject's runs, reduced to one number per run by `pick`. */
export function figureFrom<T>(runs: Map<ColumnId, T[]>, pick: (run: T) => number, missing: Partial<Record<ColumnId, string>> = {}): MeasuredFigure {
  const values: MeasuredFigure["values"] = {};
  for (const [id, list] of runs) if (list.length > 0) values[id] = spreadOf(list.map(pick));
  return { values, ...(Object.keys(missing).length > 0 ? { missing } : {}) };
}

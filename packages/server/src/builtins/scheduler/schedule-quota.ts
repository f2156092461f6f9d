import { TributaryError } from "@tributary/protocol";
import type { BuiltinGateContext } from "../builtin-processor.ts";
import { checkQuota } from "../shared/quota.ts";
import { cronOf, type Schedule, type SchedulerState } from "./schedule-state.ts";

/** How many of a cron expression's next firings are compared to find its shortest interval. */
const cronSample = 20;

/**
 * The scheduler's quotas on a valid `schedule/configured`: a new slug must fit the per-stream and
 * per-project counts, and a repeating schedule may not fire more often than the minimum interval (for a
 * cron expression: the shortest gap among its next firings). Reconfiguring a slug the stream already has
 * adds no schedule; once schedules fire once and are not limited in how soon.
 *
 * @example
 * checkScheduleQuota({ event, state, project, path, quotas }); // TributaryError quota_exceeded, or undefined
 */
export function checkScheduleQuota(
  context: Pick<BuiltinGateContext<SchedulerState>, "event" | "state" | "project" | "path" | "quotas" | "projectStates">,
): TributaryError | undefined {
  const { event, state, project, path, quotas } = context;
  const { slug, schedule } = event.payload as { slug: string; schedule: Schedule };
  const interval = shortestInterval(schedule);
  if (interval !== undefined && interval < quotas.minScheduleIntervalSeconds) {
    return new TributaryError(
      "quota_exceeded",
      `Schedule ${slug} would fire every ${interval} s; repeating schedules must be at least ${quotas.minScheduleIntervalSeconds} s apart on this server. Use a longer interval, or have the operator lower the limit: tributary serve --min-schedule-interval <seconds>.`,
      { quota: "min-schedule-interval", limit: quotas.minScheduleIntervalSeconds },
    );
  }
  if (state.schedules[slug]) return undefined;
  const onStream = Object.keys(state.schedules).length;
  const inProject = onStream + countIn(context.projectStates);
  return checkQuota(counted, quotas.schedules, { project, path, onStream, inProject });
}

/** The scheduler's quotas on a fork: the schedules the copies carry must fit beside the project's. */
export function checkScheduleFork(
  context: Pick<BuiltinGateContext<SchedulerState>, "state" | "project" | "path" | "quotas"> & { projectStates: readonly SchedulerState[] },
): TributaryError | undefined {
  const { state, project, path, quotas } = context;
  return checkQuota(counted, quotas.schedules, {
    project,
    path,
    onStream: 0,
    inProject: countIn(context.projectStates),
    forked: Object.keys(state.schedules).length,
  });
}

const counted = { what: "schedules", flag: "--schedule-quota", removedBy: "schedule/cancelled" } as const;

const countIn = (states: readonly SchedulerState[] | undefined) => (states ?? []).reduce((sum, other) => sum + Object.keys(other.schedules).length, 0);

/** Seconds between firings of a repeating schedule; undefined for a once schedule. */
function shortestInterval(schedule: Schedule): number | undefined {
  if (schedule.kind === "every") return schedule.seconds;
  if (schedule.kind !== "cron") return undefined;
  const runs = cronOf(schedule.cron, schedule.timezone).nextRuns(cronSample);
  let shortest: number | undefined;
  for (let i = 1; i < runs.length; i++) {
    const gap = (runs[i]!.getTime() - runs[i - 1]!.getTime()) / 1000;
    shortest = shortest === undefined ? gap : Math.min(shortest, gap);
  }
  return shortest;
}

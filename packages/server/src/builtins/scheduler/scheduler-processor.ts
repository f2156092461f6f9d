import { TributaryError, type StreamPath } from "@tributary/protocol";
import type { Builtin, BuiltinEffects, BuiltinPorts } from "../builtin-processor.ts";
import { createScheduleRunner } from "./schedule-runner.ts";
import { firingMarker, nextDueAt, reduceSchedules, type SchedulerState } from "./schedule-state.ts";
import { checkScheduleFork, checkScheduleQuota } from "./schedule-quota.ts";
import { validateSchedule } from "./validate-schedule.ts";

/**
 * The scheduler: `schedule/configured {slug, event, schedule}` appends `event` once at a time, once after
 * a delay, every N seconds or on a cron expression; `schedule/cancelled {slug}` stops it.
 *
 * Schedules are folded from the stream's events, so they survive restarts: on start the scheduler asks
 * the store for every stream marked with a `schedule/*` event and loads it, and a schedule that came due
 * while the server was down fires once, at once. See schedule-runner.ts for the firing rules.
 */
export const scheduler: Builtin<SchedulerState> = {
  slug: "scheduler",
  initialState: { schedules: {}, lastConfigOffset: 0 },
  reduce: ({ event, state }) => reduceSchedules(state, event),
  gate: ({ event, state, path, project, quotas, projectStates }) => {
    if (event.type === "schedule/configured") return validateSchedule(event) ?? checkScheduleQuota({ event, state, project, path, quotas, projectStates });
    if (event.type === "schedule/cancelled") {
      const slug = String(event.payload.slug);
      if (state.schedules[slug]) return undefined;
      const known = Object.keys(state.schedules);
      return new TributaryError(
        "invalid_event",
        `There is no active schedule '${slug}' on ${path}${known.length ? `; active: ${known.join(", ")}` : ""}. (A once schedule that fired is done.)`,
        { type: event.type, slug },
      );
    }
    return undefined;
  },
  gateSeesProject: (event) => event.type === "schedule/configured",
  admitFork: (context) => checkScheduleFork(context),
  resumes: "schedule",
  effects: (services) => createSchedulerEffects(services),
};

function createSchedulerEffects(services: Pick<BuiltinPorts, "appender" | "marks" | "reportError" | "now">): BuiltinEffects<SchedulerState> {
  const runner = createScheduleRunner(services);

  function sync(project: string, path: StreamPath, state: SchedulerState): void {
    runner.sync(project, path, state);
    if (Object.keys(state.schedules).length === 0 && state.lastConfigOffset > 0) {
      // Nothing left to fire: the stream need not be loaded on the next start (unless a newer schedule/* came).
      void services.marks.unmarkStream(project, path, "schedule", state.lastConfigOffset).catch(() => undefined);
    }
  }

  return {
    afterAppend: ({ project, path, event, state }) => {
      if (event.type === "stream/resumed") runner.unblock(project, path);
      if (event.type.startsWith("schedule/") || firingMarker(event)) sync(project, path, state);
    },
    onCaughtUp: ({ project, path, state }) => sync(project, path, state),
    describe: (state, { project, path }) => ({
      schedules: Object.values(state.schedules).map((entry) => {
        const status = runner.status(project, path, entry.slug);
        const due = nextDueAt(entry);
        return {
          slug: entry.slug,
          schedule: entry.schedule,
          event: entry.event,
          configuredAt: entry.configuredAt,
          configuredAtOffset: entry.configuredOffset,
          firings: entry.firings,
          lastDueAt: entry.lastDueAt,
          nextDueAt: status?.nextDueAt ?? (due === undefined ? null : new Date(due).toISOString()),
          waitingForResume: status?.waitingForResume ?? false,
        };
      }),
    }),
    forget: (project, path) => runner.forget(project, path),
    close: () => runner.close(),
  };
}

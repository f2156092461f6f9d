import { Cron } from "croner";
import { builtinEventTypes, type EventInput, type scheduleSchema, type StoredEvent } from "@tributary/protocol";
import type { z } from "zod";

export type Schedule = z.infer<typeof scheduleSchema>;

/** One active schedule, as folded from the stream's events. */
export interface ScheduleEntry {
  slug: string;
  event: EventInput;
  schedule: Schedule;
  /** When and at which offset the `schedule/configured` event was stored: `once-in` and `every` count from it. */
  configuredAt: string;
  configuredOffset: number;
  /** The due time of the last firing; `null` before the first. */
  lastDueAt: string | null;
  firings: number;
}

export interface SchedulerState {
  schedules: Record<string, ScheduleEntry>;
  /** The offset of the last `schedule/*` event (the store's mark for the stream carries the same). */
  lastConfigOffset: number;
}

/** The marker a firing carries in `metadata.scheduledBy`: which schedule, which configuration, which due time. */
export interface ScheduledBy {
  slug: string;
  scheduleOffset: number;
  dueAt: string;
}

const configuredSchema = builtinEventTypes.get("schedule/configured")!.payload;

/** Folds one event into the scheduler's state. Pure and total: anything unexpected leaves the state as it is. */
export function reduceSchedules(state: SchedulerState, event: StoredEvent): SchedulerState {
  if (event.type === "schedule/configured") {
    const parsed = configuredSchema.safeParse(event.payload);
    if (!parsed.success) return state;
    const { slug, event: input, schedule } = parsed.data as { slug: string; event: EventInput; schedule: Schedule };
    const entry: ScheduleEntry = {
      slug,
      event: input,
      schedule,
      configuredAt: event.createdAt,
      configuredOffset: event.offset,
      lastDueAt: null,
      firings: 0,
    };
    return { schedules: { ...state.schedules, [slug]: entry }, lastConfigOffset: event.offset };
  }
  if (event.type === "schedule/cancelled") {
    const { [String(event.payload.slug)]: _cancelled, ...rest } = state.schedules;
    return { schedules: rest, lastConfigOffset: event.offset };
  }
  const marker = firingMarker(event);
  if (!marker) return state;
  const entry = state.schedules[marker.slug];
  if (!entry || entry.configuredOffset !== marker.scheduleOffset) return state;
  if (isOnce(entry.schedule)) {
    const { [marker.slug]: _done, ...rest } = state.schedules;
    return { ...state, schedules: rest };
  }
  return { ...state, schedules: { ...state.schedules, [marker.slug]: { ...entry, lastDueAt: marker.dueAt, firings: entry.firings + 1 } } };
}

/** The `scheduledBy` marker of a firing, if the event is one. */
export function firingMarker(event: { metadata?: Record<string, unknown> }): ScheduledBy | undefined {
  const marker = event.metadata?.scheduledBy as Partial<ScheduledBy> | undefined;
  if (!marker || typeof marker.slug !== "string" || typeof marker.scheduleOffset !== "number" || typeof marker.dueAt !== "string") return undefined;
  return marker as ScheduledBy;
}

export function isOnce(schedule: Schedule): boolean {
  return schedule.kind === "once-at" || schedule.kind === "once-in";
}

const crons = new Map<string, Cron>();

/** A cron job that never runs by itself: only asked for its next run. Throws on a bad pattern or time zone. */
export function cronOf(pattern: string, timezone: string | undefined): Cron {
  const key = `${pattern}\u0000${timezone ?? "UTC"}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(pattern, { paused: true, timezone: timezone ?? "UTC", mode: "5-or-6-parts" });
    if (crons.size > 1000) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

/** When a schedule is due next (ms since the epoch), or `undefined` when it never fires again. */
export function nextDueAt(entry: ScheduleEntry): number | undefined {
  const { schedule } = entry;
  const since = Date.parse(entry.lastDueAt ?? entry.configuredAt);
  switch (schedule.kind) {
    case "once-at":
      return entry.lastDueAt ? undefined : Date.parse(schedule.at);
    case "once-in":
      return entry.lastDueAt ? undefined : Date.parse(entry.configuredAt) + schedule.seconds * 1000;
    case "every":
      return since + schedule.seconds * 1000;
    case "cron": {
      try {
        return cronOf(schedule.cron, schedule.timezone).nextRun(new Date(since))?.getTime();
      } catch {
        return undefined; // refused at configure time; an old stream may still hold one
      }
    }
  }
}

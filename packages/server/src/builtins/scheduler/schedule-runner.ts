import { TributaryError, type StreamPath } from "@tributary/protocol";
import type { BuiltinPorts } from "../builtin-processor.ts";
import { isOnce, nextDueAt, type ScheduledBy, type ScheduleEntry, type SchedulerState } from "./schedule-state.ts";

interface Armed {
  project: string;
  path: StreamPath;
  entry: ScheduleEntry;
  /** Next due time (ms), or undefined when it never fires again. */
  due: number | undefined;
  firing: boolean;
  /** The stream was paused when it came due: it fires once the stream is resumed. */
  blocked: boolean;
}

/** How long the runner sleeps at most: so a clock that jumps (or a fake one in tests) is noticed soon. */
const maxSleepMs = 1000;
/** A firing later than this counts as missed (server down, stream paused): it fires once, now. */
const lateAfterMs = 1000;

/**
 * Fires the schedules of every stream of one server from a single timer.
 *
 * 1. Each firing appends the schedule's event as the server, through the gates (a paused stream refuses it),
 *    with `metadata.scheduledBy = {slug, scheduleOffset, dueAt}` and an idempotency key made of the three,
 *    so one due time fires at most once even if two paths race to fire it.
 * 2. Firings that came due while the server was down or the stream was paused collapse into one firing,
 *    at start or on `stream/resumed`; repeating schedules then continue from that firing.
 * 3. A firing the store refuses for another reason becomes a `stream/error-occurred` event, and the
 *    schedule moves on to its next due time (a broken schedule must not fire in a tight loop).
 */
export function createScheduleRunner(services: Pick<BuiltinPorts, "appender" | "reportError" | "now">) {
  const streams = new Map<string, Map<string, Armed>>();
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;

  function arm(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const slugs of streams.values()) {
      for (const armed of slugs.values()) {
        if (!armed.firing && !armed.blocked && armed.due !== undefined) earliest = Math.min(earliest, armed.due);
      }
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(tick, Math.max(0, Math.min(earliest - services.now(), maxSleepMs)));
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    const now = services.now();
    for (const slugs of streams.values()) {
      for (const armed of slugs.values()) {
        if (!armed.firing && !armed.blocked && armed.due !== undefined && armed.due <= now) {
          const firing = fire(armed, now).finally(() => inFlight.delete(firing));
          inFlight.add(firing);
        }
      }
    }
    arm();
  }

  async function fire(armed: Armed, now: number): Promise<void> {
    armed.firing = true;
    const { entry, project, path } = armed;
    const dueAt = new Date(armed.due! >= now - lateAfterMs ? armed.due! : now).toISOString();
    const scheduledBy: ScheduledBy = { slug: entry.slug, scheduleOffset: entry.configuredOffset, dueAt };
    const { type, payload = {}, metadata } = entry.event;
    try {
      await services.appender.appendAsClient(project, path, [
        {
          type,
          payload,
          metadata: { ...metadata, scheduledBy },
          idempotencyKey: `schedule:${entry.slug}:${entry.configuredOffset}:${dueAt}`,
          appendedBy: { kind: "processor", slug: "scheduler", causedBy: { streamPath: path, offset: entry.configuredOffset } },
        },
      ]);
      advance(armed, dueAt);
    } catch (error) {
      if (error instanceof TributaryError && error.code === "stream_paused") {
        armed.blocked = true;
      } else if (!closed) {
        advance(armed, dueAt);
        await services.reportError(project, path, {
          message: `schedule ${entry.slug} could not fire: ${error instanceof Error ? error.message : String(error)}`,
          processor: "scheduler",
          offset: entry.configuredOffset,
          slug: entry.slug,
        });
      }
    } finally {
      armed.firing = false;
      arm();
    }
  }

  /**
   * Moves a schedule past a firing without waiting for the firing's event to be reduced. A finished once
   * schedule stays, dormant, until the state drops it: a sync from an older state must not revive it.
   */
  function advance(armed: Armed, dueAt: string): void {
    armed.entry = { ...armed.entry, lastDueAt: dueAt, firings: armed.entry.firings + 1 };
    armed.due = isOnce(armed.entry.schedule) ? undefined : nextDueAt(armed.entry);
  }

  return {
    /** Makes the armed schedules of a stream match its state. Idempotent. */
    sync(project: string, path: StreamPath, state: SchedulerState): void {
      const key = keyOf(project, path);
      const slugs = streams.get(key) ?? new Map<string, Armed>();
      for (const [slug, armed] of slugs) {
        const entry = state.schedules[slug];
        if (!entry || entry.configuredOffset !== armed.entry.configuredOffset) slugs.delete(slug);
      }
      for (const entry of Object.values(state.schedules)) {
        const armed = slugs.get(entry.slug);
        if (!armed) {
          slugs.set(entry.slug, { project, path, entry, due: nextDueAt(entry), firing: false, blocked: false });
        } else if (!armed.firing && Date.parse(entry.lastDueAt ?? "1970-01-01T00:00:00Z") >= Date.parse(armed.entry.lastDueAt ?? "1970-01-01T00:00:00Z")) {
          armed.entry = entry;
          armed.due = nextDueAt(entry);
        }
      }
      if (slugs.size > 0) streams.set(key, slugs);
      else streams.delete(key);
      arm();
    },

    /** The stream was resumed: schedules that came due while it was paused fire now, once. */
    unblock(project: string, path: StreamPath): void {
      for (const armed of streams.get(keyOf(project, path))?.values() ?? []) armed.blocked = false;
      arm();
    },

    /** What the state endpoint shows beyond the folded state. */
    status(project: string, path: StreamPath, slug: string): { nextDueAt: string | null; waitingForResume: boolean } | undefined {
      const armed = streams.get(keyOf(project, path))?.get(slug);
      if (!armed) return undefined;
      return { nextDueAt: armed.due === undefined ? null : new Date(armed.due).toISOString(), waitingForResume: armed.blocked };
    },

    forget(project: string, path: StreamPath): void {
      streams.delete(keyOf(project, path));
      arm();
    },

    async close(): Promise<void> {
      closed = true;
      arm();
      await Promise.all(inFlight);
    },
  };
}

export type ScheduleRunner = ReturnType<typeof createScheduleRunner>;

import type { ActivityState } from "./activity/activity-processor.ts";

/** A stream's status as the tree shows it: `GET /api/tree/<path>?status=true`. */
export interface StreamStatus {
  /** The newest event's commit time; null when unknown. */
  lastEventAt: string | null;
  paused: boolean;
  /** A webhook delivery is failing, or a hosted processor failed or was suspended. */
  failing: boolean;
  /** An agent works on this stream (it holds `agent-*` events). */
  agent: boolean;
}

const record = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {});
const entries = (value: unknown, key: string): Record<string, unknown>[] => {
  const list = record(value)[key];
  return Array.isArray(list) ? list.map(record) : [];
};

/**
 * Sums a stream's built-in views (`BuiltinHost.describe`, keyed by slug) up into its status. Pure.
 *
 * @example
 * streamStatus(await builtins.describe(project, path)); // { lastEventAt: "…", paused: false, failing: true, agent: false }
 */
export function streamStatus(views: Record<string, unknown>): StreamStatus {
  const activity = record(views.activity) as Partial<ActivityState>;
  return {
    lastEventAt: typeof activity.lastEventAt === "string" ? activity.lastEventAt : null,
    paused: views.pause !== null && views.pause !== undefined,
    failing:
      entries(views.subscriptions, "subscriptions").some((entry) => entry.failing !== null && entry.failing !== undefined && entry.failing !== false) ||
      entries(views.processors, "processors").some((entry) => /fail|error|crash|suspended/.test(String(entry.status))),
    agent: activity.agent === true,
  };
}

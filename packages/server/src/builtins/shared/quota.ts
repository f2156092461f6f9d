import { TributaryError } from "@tributary/protocol";

/** How many of one kind of configuration a stream, and all streams of a project together, may hold. */
export interface Quota {
  perStream: number;
  perProject: number;
}

/**
 * The operator's limits on what events may make the server do on its own (`tributary serve
 * --schedule-quota`, `--subscription-quota`, `--min-schedule-interval`): without them, a client with
 * append rights could make the server append thousands of events a second or call out without end.
 */
export interface QuotaSettings {
  schedules: Quota;
  subscriptions: Quota;
  /** The shortest interval a repeating schedule (`every`, or a cron expression) may fire at. */
  minScheduleIntervalSeconds: number;
}

export const defaultQuotas: QuotaSettings = {
  schedules: { perStream: 100, perProject: 1000 },
  subscriptions: { perStream: 20, perProject: 200 },
  minScheduleIntervalSeconds: 1,
};

/** The defaults, with what the operator set over them. */
export function quotaSettings(given: Partial<QuotaSettings> | undefined): QuotaSettings {
  return {
    schedules: { ...defaultQuotas.schedules, ...given?.schedules },
    subscriptions: { ...defaultQuotas.subscriptions, ...given?.subscriptions },
    minScheduleIntervalSeconds: given?.minScheduleIntervalSeconds ?? defaultQuotas.minScheduleIntervalSeconds,
  };
}

/** What a quota counts, and the `tributary serve` flag that sets it. */
export interface Counted {
  /** Plural noun: `schedules`, `subscriptions`. */
  what: "schedules" | "subscriptions";
  flag: "--schedule-quota" | "--subscription-quota";
  /** How one is removed, for the message: `schedule/cancelled`. */
  removedBy: string;
}

/**
 * The refusal of one more configuration (a new slug) on a stream that holds `onStream` and a project whose
 * streams hold `inProject` in all (this stream's included), or undefined when it fits. With `forked`, the
 * configurations a fork would bring into a new stream: they must fit beside the project's `inProject`.
 *
 * @example
 * checkQuota({ what: "schedules", flag: "--schedule-quota", removedBy: "schedule/cancelled" }, { perStream: 100, perProject: 1000 }, { project: "default", path: "/a", onStream: 100, inProject: 100 });
 * // → TributaryError quota_exceeded "/a already has 100 schedules, the most one stream may have …"
 */
export function checkQuota(
  counted: Counted,
  quota: Quota,
  usage: { project: string; path: string; onStream: number; inProject: number; forked?: number },
): TributaryError | undefined {
  const { what, flag, removedBy } = counted;
  const raise = `Remove one first (${removedBy}), or have the operator raise the limit: tributary serve ${flag} <per stream>/<per project> (now ${quota.perStream}/${quota.perProject}).`;
  const perStream = { quota: `${what}-per-stream`, limit: quota.perStream };
  const perProject = { quota: `${what}-per-project`, limit: quota.perProject };
  if (usage.forked !== undefined) {
    if (usage.forked > quota.perStream) {
      return new TributaryError(
        "quota_exceeded",
        `This fork would bring ${usage.forked} ${what} into ${usage.path}, more than one stream may have (${quota.perStream} ${what} per stream). ${raise}`,
        perStream,
      );
    }
    if (usage.forked > 0 && usage.inProject + usage.forked > quota.perProject) {
      return new TributaryError(
        "quota_exceeded",
        `This fork would bring ${usage.forked} ${what} into project ${usage.project}, whose streams already have ${usage.inProject}; the most one project may have is ${quota.perProject} ${what}. ${raise}`,
        perProject,
      );
    }
    return undefined;
  }
  if (usage.onStream >= quota.perStream) {
    return new TributaryError(
      "quota_exceeded",
      `${usage.path} already has ${usage.onStream} ${what}, the most one stream may have (${quota.perStream} ${what} per stream). ${raise}`,
      perStream,
    );
  }
  if (usage.inProject >= quota.perProject) {
    return new TributaryError(
      "quota_exceeded",
      `The streams of project ${usage.project} already have ${usage.inProject} ${what}, the most one project may have (${quota.perProject} ${what} per project). ${raise}`,
      perProject,
    );
  }
  return undefined;
}

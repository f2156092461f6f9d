import { readFile } from "node:fs/promises";

/** How often the quota's counters are read. */
const defaultIntervalMs = 500;
/** Saturated while the quota held the process back in at least this share of its scheduling periods. */
const throttledShare = 0.3;

/** A cgroup's CPU bandwidth counters (`cpu.stat`): scheduling periods with runnable work, and those the quota cut short. */
export interface QuotaCounters {
  periods: number;
  throttled: number;
}

/**
 * Where this process's `cpu.stat` is, from `/proc/self/cgroup`: the cgroup v1 `cpu` controller's group
 * under `/sys/fs/cgroup/cpu` (or `cpu,cpuacct`), else the cgroup v2 group under `/sys/fs/cgroup`. Every
 * candidate, most likely first; none on a system without cgroups.
 */
export function cpuStatCandidates(procSelfCgroup: string): string[] {
  const candidates: string[] = [];
  let unified: string | undefined;
  for (const line of procSelfCgroup.split("\n")) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, controllers, path] = match as unknown as [string, string, string];
    const group = path === "/" ? "" : path;
    if (controllers === "") unified = group;
    else if (controllers.split(",").includes("cpu")) {
      candidates.push(`/sys/fs/cgroup/cpu${group}/cpu.stat`, `/sys/fs/cgroup/cpu,cpuacct${group}/cpu.stat`);
    }
  }
  if (unified !== undefined) candidates.push(`/sys/fs/cgroup${unified}/cpu.stat`);
  return candidates;
}

/** Every counter of a `cpu.stat` text (`name value` lines), by name. */
export function cpuStatValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [name, value] = line.trim().split(" ");
    if (name && value !== undefined) values.set(name, Number(value));
  }
  return values;
}

/** The throttling counters of a `cpu.stat` text (v1 and v2 name them alike); undefined without them (no CPU controller). */
export function parseCpuStat(text: string): QuotaCounters | undefined {
  const values = cpuStatValues(text);
  const periods = values.get("nr_periods");
  const throttled = values.get("nr_throttled");
  return periods === undefined || throttled === undefined ? undefined : { periods, throttled };
}

/** Whether the quota held the process back in enough of the periods between two readings. */
export function throttledBetween(before: QuotaCounters, after: QuotaCounters): boolean {
  const periods = after.periods - before.periods;
  return periods > 0 && (after.throttled - before.throttled) / periods >= throttledShare;
}

/**
 * Tells whether this process is at its CPU quota: a cgroup CPU limit (a container's `--cpus`, a Kubernetes
 * `limits.cpu`, systemd's `CPUQuota`) that held it back in at least 30% of its scheduling periods over the
 * last reading interval. That is the one load signal that says more work sent here waits for CPU this
 * process may not have; event-loop load does not (a capped process waits out its quota off the loop). A
 * process without a quota (its counters never move, or there are none) is never saturated. The group is
 * looked up again at every reading, so a process moved into a group after it started is followed.
 *
 * @example
 * const quota = watchCpuQuota();
 * if (quota.saturated()) …; // on close: quota.close()
 */
export function watchCpuQuota(options: { intervalMs?: number } = {}) {
  let last: QuotaCounters | undefined;
  let lastPath: string | undefined;
  let saturated = false;
  let reading = false;

  async function read(): Promise<void> {
    if (reading) return;
    reading = true;
    try {
      const cgroup = await readFile("/proc/self/cgroup", "utf8").catch(() => "");
      for (const path of cpuStatCandidates(cgroup)) {
        const counters = parseCpuStat(await readFile(path, "utf8").catch(() => ""));
        if (!counters) continue;
        saturated = lastPath === path && last !== undefined && throttledBetween(last, counters);
        last = counters;
        lastPath = path;
        return;
      }
      saturated = false;
      last = undefined;
      lastPath = undefined;
    } finally {
      reading = false;
    }
  }

  void read();
  const timer = setInterval(() => void read(), options.intervalMs ?? defaultIntervalMs);
  timer.unref();
  return {
    saturated: () => saturated,
    close: () => clearInterval(timer),
  };
}

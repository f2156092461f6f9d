import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuStatValues } from "../../src/cluster/cpu-quota.ts";

/** Where the cgroup v1 CPU controller is mounted on Linux. */
const cpuRoot = "/sys/fs/cgroup/cpu";
const periodUs = 100_000;

export interface CpuCap {
  /** The cap, in cores (0.4: 40 ms of CPU per 100 ms, whatever the number of threads). */
  cores: number;
  /** Moves a process (all its threads) into the cap; its children started later inherit it. */
  add(pid: number): void;
  /** Changes the quota (`undefined`: none, the group stays); the processes stay in the group. */
  setCores(cores: number | undefined): void;
  /** How often the quota held the processes back since the cap was made (the group's `cpu.stat`). */
  throttled(): { periods: number; throttledPeriods: number; throttledMs: number };
  /** Moves whatever is left back to the root group and removes the cap's group. */
  remove(): void;
}

/**
 * Caps processes at a fraction of one core with a cgroup v1 CPU quota (CFS bandwidth control), as if
 * each ran on a small machine of its own: the scale-out bench's "each server capped" setups
 * (docs/scaling.md, "Capped servers") and the tests of a server at its quota (cpu-quota.test.ts). One cap per process: `createCpuCap` once per server.
 *
 * Returns why not, as a string, where the machine does not allow it (no cgroup v1 CPU controller, not
 * root, a read-only /sys), so a caller can report that instead of failing.
 *
 * @example
 * const cap = createCpuCap("bench-server-1", 0.4);
 * if (typeof cap === "string") console.log(`not capped: ${cap}`);
 * else { cap.add(server.pid); …; cap.remove(); }
 */
export function createCpuCap(name: string, cores: number): CpuCap | string {
  if (!(cores > 0)) return `a cap must be more than 0 cores (got ${cores})`;
  if (!existsSync(join(cpuRoot, "cpu.cfs_quota_us"))) return `no cgroup v1 CPU controller at ${cpuRoot} (cgroup v2 or not Linux)`;
  const dir = join(cpuRoot, name);
  try {
    if (!existsSync(dir)) mkdirSync(dir);
    writeFileSync(join(dir, "cpu.cfs_period_us"), String(periodUs));
    writeFileSync(join(dir, "cpu.cfs_quota_us"), String(Math.round(cores * periodUs)));
  } catch (error) {
    try {
      if (existsSync(dir)) rmdirSync(dir);
    } catch {
      // nothing more to undo
    }
    return `cgroups are not writable here (${(error as Error).message.split("\n")[0]})`;
  }
  return {
    cores,
    add(pid) {
      writeFileSync(join(dir, "cgroup.procs"), String(pid));
    },
    setCores(cores) {
      writeFileSync(join(dir, "cpu.cfs_quota_us"), cores === undefined ? "-1" : String(Math.round(cores * periodUs)));
    },
    throttled() {
      const stat = cpuStatValues(readFileSync(join(dir, "cpu.stat"), "utf8"));
      return {
        periods: stat.get("nr_periods") ?? 0,
        throttledPeriods: stat.get("nr_throttled") ?? 0,
        throttledMs: (stat.get("throttled_time") ?? 0) / 1e6,
      };
    },
    remove() {
      try {
        for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
          try {
            writeFileSync(join(cpuRoot, "cgroup.procs"), pid);
          } catch {
            // exited meanwhile
          }
        }
        rmdirSync(dir);
      } catch {
        // already gone
      }
    },
  };
}

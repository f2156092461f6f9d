import { execFileSync } from "node:child_process";
import os from "node:os";

/**
 * Pins processes (every thread) to a set of cores with `taskset`, where the machine allows it: at least
 * two cores, taskset installed, and a machine not already oversubscribed (a 1-minute load average below
 * its cores: on a crowded machine a pinned server gets a fraction of its one core, far less than
 * unpinned). Returns what it did, for the report, or why not.
 *
 * @example
 * pinToCores([server.pid], "0"); // "pinned to core 0"
 */
export function pinToCores(pids: number[], cores: string): string {
  const machineCores = os.availableParallelism();
  if (machineCores < 2) return "not pinned: one core";
  const load = os.loadavg()[0]!;
  if (load >= machineCores) return `not pinned: the machine is crowded (load average ${load.toFixed(1)} on ${machineCores} cores)`;
  try {
    for (const pid of pids) execFileSync("taskset", ["-a", "-p", "-c", cores, String(pid)], { stdio: "ignore" });
    return `pinned to core ${cores}`;
  } catch (error) {
    return `not pinned: taskset failed (${(error as Error).message.split("\n")[0]})`;
  }
}

/** Lets processes run on every core again. */
export function unpin(pids: number[]): void {
  const all = `0-${os.availableParallelism() - 1}`;
  for (const pid of pids) {
    try {
      execFileSync("taskset", ["-a", "-p", "-c", all, String(pid)], { stdio: "ignore" });
    } catch {
      // The process is gone: nothing to undo.
    }
  }
}

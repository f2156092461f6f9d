import os from "node:os";

/** CPU time (ms) the whole machine spent busy, summed over its cores, since boot. */
function machineBusyMs(): number {
  let busy = 0;
  for (const cpu of os.cpus()) busy += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
  return busy;
}

/**
 * Tells how much of the machine's CPU other processes used during the run: the machine's busy time
 * minus the bench's own (this process, the server processes and the readers' process). On a shared
 * 2-core machine this is what makes a run's figures trustworthy or not, so the report prints it.
 *
 * @example
 * const cpu = createCpuAccounting();
 * cpu.addChild(serverCpuMs);
 * cpu.otherCores(); // 0.05: other processes used 5% of one core on average
 */
export function createCpuAccounting() {
  const startedAt = performance.now();
  const machineAtStart = machineBusyMs();
  const ownAtStart = process.cpuUsage();
  let childrenMs = 0;
  return {
    addChild(cpuMs: number): void {
      childrenMs += cpuMs;
    },
    /** Other processes' average CPU use since the start, in cores. */
    otherCores(): number {
      const own = process.cpuUsage(ownAtStart);
      const ownMs = (own.user + own.system) / 1000 + childrenMs;
      return Math.max(0, (machineBusyMs() - machineAtStart - ownMs) / (performance.now() - startedAt));
    },
  };
}

/**
 * Waits (up to `maxWaitMs`) until other processes use less than `maxCores` of the CPU over one second,
 * reporting what it waits for. Returns the load it last saw, in cores.
 *
 * @example
 * await waitForQuietMachine({ maxCores: 0.25, maxWaitMs: 60_000, onWait: console.log });
 */
export async function waitForQuietMachine(options: { maxCores: number; maxWaitMs: number; onWait: (cores: number) => void }): Promise<number> {
  const deadline = Date.now() + options.maxWaitMs;
  for (;;) {
    const before = machineBusyMs();
    const ownBefore = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const own = process.cpuUsage(ownBefore);
    const cores = Math.max(0, (machineBusyMs() - before - (own.user + own.system) / 1000) / 1000);
    if (cores <= options.maxCores || Date.now() >= deadline) return cores;
    options.onWait(cores);
  }
}

import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cpuStatCandidates, parseCpuStat, throttledBetween } from "../src/cluster/cpu-quota.ts";
import { createCpuCap } from "./support/cpu-cap.ts";

const moduleUrl = new URL("../src/cluster/cpu-quota.ts", import.meta.url).href;

/**
 * A process that spins in 5 ms slices (yielding between them, so the watch's readings run) and prints
 * `saturated` as soon as the watch says so, or `never` after `seconds`. It prints `ready` first, so a
 * cgroup can be set up for it before it starts spinning (on its first line of input).
 */
function spinner(seconds: number) {
  const script = `
    import { watchCpuQuota } from ${JSON.stringify(moduleUrl)};
    const quota = watchCpuQuota({ intervalMs: 200 });
    console.log("ready");
    process.stdin.once("data", () => {
      const end = Date.now() + ${seconds * 1000};
      const spin = () => {
        const slice = performance.now() + 5;
        while (performance.now() < slice);
        if (quota.saturated()) { console.log("saturated"); process.exit(0); }
        if (Date.now() > end) { console.log("never"); process.exit(0); }
        setImmediate(spin);
      };
      spin();
    });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  let output = "";
  let onOutput = () => {};
  child.stdout!.on("data", (chunk) => {
    output += chunk;
    onOutput();
  });
  const done = new Promise<string>((resolve) => child.once("exit", () => resolve(output.trim())));
  const ready = new Promise<void>((resolve, reject) => {
    onOutput = () => output.includes("ready") && resolve();
    void done.then(() => reject(new Error(`the spinner exited before it was ready: ${output}`)));
  });
  return { child, ready, done };
}

/** A cgroup CPU controller this test can write: the tests below need one (Linux, root, cgroup v1: the CI machines). */
function cap(name: string, cores: number) {
  const made = createCpuCap(`tributary-quota-test-${name}-${process.pid}`, cores);
  if (typeof made === "string") throw new Error(`this test runs a process under a real CPU quota and cannot make one here: ${made}`);
  return made;
}

describe("the CPU quota watch", () => {
  it("finds this process's cpu.stat for cgroup v1 and v2", () => {
    const v1 = "12:pids:/\n4:memory:/app\n2:cpu,cpuacct:/kubepods/pod1/abc\n1:name=systemd:/\n0::/\n";
    expect(cpuStatCandidates(v1)).toEqual([
      "/sys/fs/cgroup/cpu/kubepods/pod1/abc/cpu.stat",
      "/sys/fs/cgroup/cpu,cpuacct/kubepods/pod1/abc/cpu.stat",
      "/sys/fs/cgroup/cpu.stat",
    ]);
    // Separate cpu and cpuacct hierarchies (as on these machines), the process in the root group.
    expect(cpuStatCandidates("2:cpuacct:/\n1:cpu:/\n0::/\n")[0]).toBe("/sys/fs/cgroup/cpu/cpu.stat");
    expect(cpuStatCandidates("0::/system.slice/tributary.service\n")).toEqual(["/sys/fs/cgroup/system.slice/tributary.service/cpu.stat"]);
    expect(cpuStatCandidates("")).toEqual([]);
  });

  it("reads the throttling counters of both formats, and none where there is no CPU controller", () => {
    expect(parseCpuStat("nr_periods 120\nnr_throttled 45\nthrottled_time 912000000\nnr_bursts 0\nburst_time 0\n")).toEqual({ periods: 120, throttled: 45 });
    expect(
      parseCpuStat("usage_usec 8127\nuser_usec 5000\nsystem_usec 3127\nnr_periods 9\nnr_throttled 3\nthrottled_usec 120\nnr_bursts 0\nburst_usec 0\n"),
    ).toEqual({ periods: 9, throttled: 3 });
    // cgroup v2 without the cpu controller enabled for the group: usage only.
    expect(parseCpuStat("usage_usec 8127\nuser_usec 5000\nsystem_usec 3127\n")).toBeUndefined();
    expect(parseCpuStat("")).toBeUndefined();
  });

  it("calls a process saturated when the quota cut short at least 30% of its periods since the last reading", () => {
    expect(throttledBetween({ periods: 100, throttled: 10 }, { periods: 110, throttled: 13 })).toBe(true);
    expect(throttledBetween({ periods: 100, throttled: 10 }, { periods: 110, throttled: 12 })).toBe(false);
    // No period ran (no quota, or nothing runnable): never saturated.
    expect(throttledBetween({ periods: 0, throttled: 0 }, { periods: 0, throttled: 0 })).toBe(false);
  });

  it("says a busy process under a real cgroup quota is saturated, and the same process without a quota is not", async () => {
    const capped = cap("capped", 0.1);
    const uncapped = cap("uncapped", 0.1);
    uncapped.setCores(undefined);
    const first = spinner(15);
    const second = spinner(3);
    try {
      await Promise.all([first.ready, second.ready]);
      capped.add(first.child.pid!);
      uncapped.add(second.child.pid!);
      first.child.stdin!.write("go\n");
      second.child.stdin!.write("go\n");
      const [busy, free] = await Promise.all([first.done, second.done]);
      expect(busy).toBe("ready\nsaturated");
      expect(free).toBe("ready\nnever");
      expect(capped.throttled().throttledPeriods).toBeGreaterThan(0);
    } finally {
      first.child.kill();
      second.child.kill();
      capped.remove();
      uncapped.remove();
    }
  });
});

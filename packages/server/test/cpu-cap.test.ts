import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCpuCap } from "./support/cpu-cap.ts";

const group = (name: string) => `/sys/fs/cgroup/cpu/${name}`;

describe("createCpuCap", () => {
  it("puts a process under a CPU quota of its own and undoes it, or says why it cannot on this machine", async () => {
    const name = `tributary-cap-test-${process.pid}`;
    const cap = createCpuCap(name, 0.25);
    if (typeof cap === "string") {
      // Only where there is no writable cgroup v1 CPU controller; the bench reports this sentence.
      expect(cap).toMatch(/cgroup/);
      expect(existsSync(group(name))).toBe(false);
      return;
    }
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      cap.add(child.pid!);
      expect(readFileSync(`${group(name)}/cpu.cfs_quota_us`, "utf8").trim()).toBe("25000");
      expect(readFileSync(`${group(name)}/cpu.cfs_period_us`, "utf8").trim()).toBe("100000");
      expect(readFileSync(`${group(name)}/cgroup.procs`, "utf8").split("\n")).toContain(String(child.pid));
      expect(cap.throttled()).toEqual({ periods: expect.any(Number), throttledPeriods: expect.any(Number), throttledMs: expect.any(Number) });
      cap.remove();
      expect(existsSync(group(name))).toBe(false);
      expect(readFileSync("/sys/fs/cgroup/cpu/cgroup.procs", "utf8").split("\n")).toContain(String(child.pid));
    } finally {
      child.kill();
      await exited;
      cap.remove();
    }
  });

  it("says why instead of throwing when the cap cannot be made", () => {
    expect(createCpuCap("no-such-parent/child", 0.3)).toMatch(/cgroup/);
    expect(createCpuCap("never-made", 0)).toMatch(/more than 0 cores/);
  });
});

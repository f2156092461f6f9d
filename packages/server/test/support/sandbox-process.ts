import { execFileSync } from "node:child_process";

/** The sandbox process a test's server started (sandbox-child.ts, a child of this process), if there is exactly one. */
export function sandboxPid(): number | undefined {
  try {
    const pids = execFileSync("pgrep", ["-P", String(process.pid), "-f", "sandbox-child"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
    return pids.length === 1 ? Number(pids[0]) : undefined;
  } catch {
    return undefined; // pgrep exits 1 when nothing matches
  }
}

/** Whether a process is still there (signal 0). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

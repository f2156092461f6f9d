import { spawn } from "node:child_process";
import { createOutputLimit } from "./output-limit.ts";

export interface ShellRun {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * Runs `command` with the real `bash -c` in `cwd`, stdout and stderr interleaved, stdin closed. On timeout
 * or abort the whole process group is killed (a command's children too).
 */
export function runBash(
  command: string,
  options: { cwd: string; timeoutMs: number; maxOutputChars: number; signal: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const output = createOutputLimit(options.maxOutputChars);
    const child = spawn("bash", ["-c", command], { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let timedOut = false;
    let aborted = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
    child.stdout.setEncoding("utf8").on("data", (text: string) => output.add(text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => output.add(text));
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      resolve({ exitCode: code, output: output.text(), timedOut, aborted });
    });
  });
}

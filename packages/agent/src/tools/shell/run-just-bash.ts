import type { ShellRun } from "./run-bash.ts";
import { createOutputLimit } from "./output-limit.ts";

/**
 * A sandboxed shell: just-bash (bash re-implemented in TypeScript) over the working directory. Commands see
 * the directory as `/` and can read and write files in it, but cannot start real processes, reach the
 * network or touch anything outside it.
 */
export function createJustBash(cwd: string) {
  // Loaded on first use: the sandbox is optional and just-bash is large.
  let bash: Promise<import("just-bash").Bash> | undefined;
  const load = () => (bash ??= import("just-bash").then(({ Bash, ReadWriteFs }) => new Bash({ fs: new ReadWriteFs({ root: cwd }), cwd: "/" })));
  return async (command: string, options: { timeoutMs: number; maxOutputChars: number; signal: AbortSignal }): Promise<ShellRun> => {
    const shell = await load();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const result = await shell.exec(command, { signal: AbortSignal.any([timeout, options.signal]) });
    const output = createOutputLimit(options.maxOutputChars);
    output.add(result.stdout);
    output.add(result.stderr);
    return { exitCode: result.exitCode, output: output.text(), timedOut: timeout.aborted, aborted: options.signal.aborted };
  };
}

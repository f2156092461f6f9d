import { z } from "zod";
import { defineTool } from "../define-tool.ts";
import { runBash, type ShellRun } from "./run-bash.ts";
import { createJustBash } from "./run-just-bash.ts";

export interface ShellToolOptions {
  /** The working directory commands run in. */
  cwd: string;
  /** Default and maximum time a command may take (default 120 s). */
  timeoutMs?: number;
  /** Output kept for the model, in characters (default 30,000; head and tail are kept). */
  maxOutputChars?: number;
  /** `bash`: the real bash (default). `just-bash`: a sandbox that cannot run real processes or leave `cwd`. */
  mode?: "bash" | "just-bash";
  /** The tool's name (default `shell`). */
  name?: string;
}

const input = z.object({
  command: z.string().min(1).describe("The bash command to run."),
  timeoutMs: z.number().int().positive().optional().describe("Stop the command after this many milliseconds."),
});

function describeRun(run: ShellRun, timeoutMs: number): { output: string; isError: boolean } {
  const status = run.timedOut ? `timed out after ${timeoutMs} ms` : run.aborted ? "cancelled" : `exit code ${run.exitCode}`;
  return { output: `${status}\n${run.output}`, isError: run.timedOut || run.aborted || run.exitCode !== 0 };
}

/**
 * A shell tool: runs a command in a working directory with a timeout and an output limit, with the real
 * bash or sandboxed in just-bash.
 *
 * @example
 * createToolProcessor([shellTool({ cwd: process.cwd(), mode: "just-bash" })]);
 */
export function shellTool(options: ShellToolOptions) {
  const limit = options.timeoutMs ?? 120_000;
  const maxOutputChars = options.maxOutputChars ?? 30_000;
  const sandbox = options.mode === "just-bash" ? createJustBash(options.cwd) : undefined;
  return defineTool({
    name: options.name ?? "shell",
    description:
      `Run a bash command in the working directory${sandbox ? " (a sandboxed bash: common commands and files, no real processes or network)" : ""}. ` +
      `Returns the exit code and the combined stdout/stderr (long output is cut in the middle). Times out after ${limit} ms.`,
    input,
    async run({ command, timeoutMs }, { signal }) {
      const timeout = Math.min(timeoutMs ?? limit, limit);
      const run = sandbox
        ? await sandbox(command, { timeoutMs: timeout, maxOutputChars, signal })
        : await runBash(command, { cwd: options.cwd, timeoutMs: timeout, maxOutputChars, signal });
      return describeRun(run, timeout);
    },
  });
}

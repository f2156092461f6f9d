import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { outputDrained } from "@tributary/server/testing";

/** The `tributary` bin, run with this Node (24, from the project's pinned devDependency). */
export const tributaryBin = fileURLToPath(new URL("../../../tributary/bin/tributary.js", import.meta.url));
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  stdout(): string;
  /** Resolves when the output matches; fails (with the output) on exit or after the deadline. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node <args>` (e.g. the bin, an example, or `python3` when `command` is given). */
export function spawnProcess(args: string[], options: { env?: Record<string, string>; command?: string; cwd?: string } = {}): Spawned {
  const child = spawn(options.command ?? process.execPath, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk;
    stdout += chunk;
    notify();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk;
    notify();
  });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // The output is complete when `exited` resolves: the pipes are drained first.
    child.once("exit", (code, signal) => {
      void outputDrained(child).then(() => {
        exitInfo = { code, signal };
        resolve(exitInfo);
        notify();
      });
    }),
  );
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    exited,
    waitForOutput(pattern, timeoutMs = 45_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Timed out waiting for ${pattern} in the output of ${args.join(" ")}:\n${output}`));
        }, timeoutMs);
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(match);
          } else if (exitInfo) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`${args.join(" ")} exited (${JSON.stringify(exitInfo)}) before printing ${pattern}:\n${output}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (!exitInfo) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const spawned = spawnProcess([tributaryBin, ...args], { env });
  let stderr = "";
  spawned.child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
  if (input !== undefined) spawned.child.stdin!.end(input);
  else spawned.child.stdin!.end();
  const { code } = await spawned.exited;
  return { code, stdout: spawned.stdout(), stderr };
}

/** Starts `tributary serve --port 0` as a real separate process; resolves with its URL. */
export async function spawnServe(dataDir: string, port = 0): Promise<Spawned & { url: string }> {
  const spawned = spawnProcess([tributaryBin, "serve", "--port", String(port), "--data-dir", dataDir, "--log-level", "warn"]);
  const match = await spawned.waitForOutput(/listening on (http:\/\/\S+)/);
  return { ...spawned, url: match[1]! };
}

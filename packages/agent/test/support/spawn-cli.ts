import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { outputDrained } from "@tributary/server/testing";

/** The `tributary` bin, run with this Node (24, the project's pinned one). */
export const tributaryBin = fileURLToPath(new URL("../../../tributary/bin/tributary.js", import.meta.url));

export interface Cli {
  child: ChildProcess;
  output(): string;
  /** Resolves with the match once the output (stdout + stderr) matches; rejects on exit or after the deadline. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `tributary <args>` as a real child process. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [tributaryBin, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let code: number | null | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  child.stdout!.on("data", (chunk: Buffer) => ((output += chunk), notify()));
  child.stderr!.on("data", (chunk: Buffer) => ((output += chunk), notify()));
  // The output is complete when `exited` resolves: the pipes are drained first.
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (exitCode) => void outputDrained(child).then(() => ((code = exitCode), resolve(exitCode), notify()))),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`Timed out waiting for ${pattern} from tributary ${args.join(" ")}:\n${output}`)), timeoutMs);
        const done = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(undefined, match);
          else if (code !== undefined) done(new Error(`tributary ${args.join(" ")} exited with ${code} before printing ${pattern}:\n${output}`));
        };
        listeners.add(check);
        check();
      });
    },
    async kill(signal = "SIGTERM") {
      if (code === undefined) child.kill(signal);
      return exited;
    },
  };
}

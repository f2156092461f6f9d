import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../../tributary/bin/tributary.js", import.meta.url));

/**
 * Starts `tributary serve` in a child process (a real, separate server) and resolves with its URL.
 * `nodeArgs` go to Node before the CLI (`["--import", file]` preloads a file, as `request-order.ts`).
 */
export async function spawnServer(
  dataDir: string,
  extraArgs: string[] = [],
  nodeArgs: string[] = [],
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [...nodeArgs, bin, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  return { url, child, output: () => output };
}

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** CPU and event-loop figures the server process reports for the interval since the previous ask. */
export interface ServerStats {
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  eventLoopUtilization: number;
  eventLoopDelayP99Ms: number;
  rssMb: number;
  heapMb: number;
  /** CPU time since the process started. */
  totalCpuMs: number;
}

export interface ServerProcess {
  url: string;
  /** The server process's id (to pin it to a core). */
  pid: number;
  /** Figures since the previous call (or since start); with `gc`, memory after a garbage collection. */
  stats(options?: { gc?: boolean }): Promise<ServerStats>;
  /** Stops the server; resolves with the CPU time (ms) its process used in all. */
  close(): Promise<number>;
}

export interface ServerProcessOptions {
  fsync: "normal" | "full";
  /** Directory for a V8 CPU profile of the server (`--cpu-prof`), written when it exits. */
  cpuProfileDir?: string | undefined;
  /** Another server script speaking the same stdout/IPC protocol (the probes' stripped-down servers). */
  script?: string;
  env?: Record<string, string>;
  /** An existing data directory to reopen (kept on close); by default a fresh one, removed on close. */
  dataDir?: string;
}

const childScript = fileURLToPath(new URL("./server-child.ts", import.meta.url));

/**
 * Starts a server under test in a child process (Tributary's `server-child.ts` unless `script` names
 * another) on a fresh data directory (removed on close) or on `dataDir` (kept).
 *
 * @example
 * const server = await startServerProcess({ fsync: "normal" });
 * await fetch(`${server.url}/api/health`);
 * await server.close();
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "tributary-bench-"));
  const removeDataDir = () => {
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  // PROFILE_INTERVAL_US: the profiles' sampling interval (V8's default is 1,000 µs).
  const interval = process.env.PROFILE_INTERVAL_US ? [`--cpu-prof-interval=${process.env.PROFILE_INTERVAL_US}`] : [];
  const execArgv = ["--expose-gc", ...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`, ...interval] : [])];
  const child = spawn(process.execPath, [...execArgv, options.script ?? childScript], {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    env: { ...process.env, ...options.env, BENCH_DATA_DIR: dataDir, BENCH_FSYNC: options.fsync },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const url = await readUrl(child);
    return {
      url,
      pid: child.pid!,
      stats: (stats) => askStats(child, stats?.gc === true),
      async close() {
        let cpuMs = 0;
        if (child.exitCode === null) {
          cpuMs = (await askStats(child)).totalCpuMs;
          child.send({ type: "close" });
        }
        await exited;
        removeDataDir();
        return cpuMs;
      },
    };
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    removeDataDir();
    throw error;
  }
}

function readUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      child.stdout!.off("data", onData);
      try {
        resolve((JSON.parse(buffer.slice(0, newline)) as { url: string }).url);
      } catch {
        reject(new Error(`the server process printed something unexpected: ${buffer.slice(0, 200)}`));
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the server process exited with code ${code} before listening`)));
  });
}

function askStats(child: ChildProcess, gc = false): Promise<ServerStats> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string } & ServerStats) => {
      if (message.type !== "stats") return;
      child.off("message", onMessage);
      resolve(message);
    };
    child.on("message", onMessage);
    child.send({ type: "stats", gc });
  });
}

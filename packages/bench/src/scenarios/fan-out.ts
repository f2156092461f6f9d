import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { withDeadline } from "../deadline.ts";
import { createHttpClient } from "../http-client.ts";
import { pinToCores, unpin } from "../pin.ts";
import type { Progress } from "../progress.ts";
import { wallClockMs, type LatencySummary } from "../stats.ts";
import type { Wire } from "../wire.ts";

export interface FanOutResult {
  latency: LatencySummary;
  readers: number;
  /** Readers that received every event. */
  complete: number;
  /** The fewest events any reader received. */
  fewest: number;
  /** Reads with events, over all readers: about the server's socket writes (events / reads = events per write). */
  reads: number;
  events: number;
  /** The rate the appender achieved (events/s). */
  achievedRate: number;
  /** True when the appends fell so far behind schedule that the run was cut short. */
  cutShort: boolean;
  /** CPU time the readers' process used (ms), to tell a saturated client from a slow server. */
  readerCpuMs: number;
  /** Whether the readers were kept off the server's core. */
  pinning: string;
  /** Share of the appends sent while every one of the appender's connections waited for an answer (so they queued in the client). */
  queuedShare: number;
}

const readersScript = fileURLToPath(new URL("../fan-out-readers.ts", import.meta.url));

/**
 * Many live SSE readers on one stream while one client appends at a fixed rate (open loop: appends are
 * sent on schedule whether or not earlier ones were acknowledged). Latency is per delivery: from
 * sending the append to one reader receiving it, over every reader and every event.
 *
 * @example
 * const result = await measureFanOut(url, tributaryWire, { readers: 1000, rate: 500, durationMs: 10_000, name: "/bench/fan-out", progress });
 */
export async function measureFanOut(
  baseUrl: string,
  wire: Wire,
  options: {
    readers: number;
    rate: number;
    durationMs: number;
    name: string;
    progress: Progress;
    serverPid?: number;
    /** Called once every reader is connected, just before the appends start (to take a server's figures for the appending alone). */
    onConnected?: () => Promise<unknown>;
  },
): Promise<FanOutResult> {
  const connections = 16;
  const http = createHttpClient(baseUrl, { connections });
  await wire.create(http, options.name);

  const child = spawn(process.execPath, [readersScript], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // The readers' process is kept off the server's core where the machine allows (SPEC §10).
  const lastCore = String(availableParallelism() - 1);
  const pinning =
    options.serverPid === undefined ? "not pinned" : `server ${pinToCores([options.serverPid], "0")}, readers ${pinToCores([child.pid!], lastCore)}`;
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string; message?: string }) => {
        if (message.type === "error") reject(new Error(`fan-out readers: ${message.message}`));
        else if (message.type === type) resolve(message as T);
        else return;
        child.off("message", onMessage);
      };
      child.on("message", onMessage);
      child.once("exit", (code) => reject(new Error(`the fan-out readers' process exited with code ${code}`)));
    });

  try {
    options.progress.tick(`connecting ${options.readers.toLocaleString("en-US")} readers`);
    const ready = next("ready");
    child.send({ type: "open", url: baseUrl, path: wire.livePath(options.name), readers: options.readers });
    await withDeadline(ready, 60_000, "the fan-out readers did not connect within 60 s");
    await options.onConnected?.();

    const planned = Math.round((options.rate * options.durationMs) / 1000);
    const interval = 1000 / options.rate;
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    let tickedAt = started;
    // A server that cannot keep up would stretch the run without bound: stop appending at twice the
    // planned time, or once two seconds' worth of appends wait unanswered.
    const giveUpAt = started + 2 * options.durationMs;
    let total = planned;
    let sent = 0;
    let queued = 0;
    for (; sent < total;) {
      if (performance.now() > giveUpAt || inFlight.size > 2 * options.rate) total = sent;
      const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
      for (; sent < due; sent++) {
        if (inFlight.size >= connections) queued += 1;
        const request = wire.append(http, options.name, `{"type":"bench/fanned-out","payload":{"t":${wallClockMs().toFixed(3)}}}`);
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
      if (performance.now() - tickedAt > 500) {
        tickedAt = performance.now();
        options.progress.tick(`${sent.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} events appended`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + sent * interval - performance.now())));
    }
    await Promise.all(inFlight);
    const achievedRate = total / ((performance.now() - started) / 1000);
    const cutShort = total < planned;
    const result = next<Omit<FanOutResult, "events" | "achievedRate" | "readerCpuMs" | "queuedShare"> & { cpuMs: number }>("result");
    child.send({ type: "finish", expected: total, timeoutMs: 30_000 });
    const { latency, readers, complete, fewest, reads, cpuMs } = await result;
    return {
      latency,
      readers,
      complete,
      fewest,
      reads,
      events: total,
      achievedRate,
      readerCpuMs: cpuMs,
      cutShort,
      pinning,
      queuedShare: queued / Math.max(1, total),
    };
  } finally {
    if (options.serverPid !== undefined) unpin([options.serverPid]);
    http.close();
    if (child.exitCode === null) child.kill();
    await exited;
  }
}

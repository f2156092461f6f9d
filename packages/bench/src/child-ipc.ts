import { monitorEventLoopDelay, performance } from "node:perf_hooks";

/**
 * The server side of the bench's child-process protocol: prints `{ "url": ... }` on stdout once
 * listening, answers `{ type: "stats" }` with CPU and event-loop figures since the previous ask (after a
 * garbage collection when it says `gc: true`), and
 * stops on `{ type: "close" }` or when the parent goes away.
 *
 * @example
 * announceServer(server.url, () => server.close());
 */
export function announceServer(url: string, close: () => Promise<void>): void {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let lastCpu = process.cpuUsage();
  let lastElu = performance.eventLoopUtilization();
  let lastAt = performance.now();
  const stop = () => void close().then(() => process.exit(0));

  process.on("message", (message: { type?: string; gc?: boolean }) => {
    if (message.type === "stats") {
      // A memory figure asks for a collection first (the bench starts its servers with --expose-gc).
      if (message.gc) (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage(lastCpu);
      const total = process.cpuUsage();
      const elu = performance.eventLoopUtilization(lastElu);
      const now = performance.now();
      process.send?.({
        type: "stats",
        wallMs: now - lastAt,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        eventLoopUtilization: elu.utilization,
        eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
        rssMb: process.memoryUsage().rss / 2 ** 20,
        heapMb: process.memoryUsage().heapUsed / 2 ** 20,
        totalCpuMs: (total.user + total.system) / 1000,
      });
      lastCpu = process.cpuUsage();
      lastElu = performance.eventLoopUtilization();
      lastAt = now;
      delay.reset();
    } else if (message.type === "close") {
      stop();
    }
  });
  process.on("disconnect", stop);
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

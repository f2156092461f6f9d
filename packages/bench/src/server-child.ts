/**
 * The server under test, in its own process so the load generator never shares its event loop.
 * Started by `startServerProcess`; prints one JSON line `{ "url": ... }` on stdout when listening and
 * answers `{ type: "stats" }` IPC messages with its CPU time and event-loop figures since the last ask.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { startServer } from "@tributary/server";

const dataDir = process.env.BENCH_DATA_DIR;
const fsync = process.env.BENCH_FSYNC === "full" ? "full" : "normal";
if (!dataDir) throw new Error("server-child needs BENCH_DATA_DIR");

const server = await startServer({ port: 0, dataDir, fsync, logLevel: "warn" });
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let lastCpu = process.cpuUsage();
let lastElu = performance.eventLoopUtilization();
let lastAt = performance.now();

process.on("message", (message: { type?: string }) => {
  if (message.type === "stats") {
    const cpu = process.cpuUsage(lastCpu);
    const total = process.cpuUsage();
    const elu = performance.eventLoopUtilization(lastElu);
    const now = performance.now();
    const wallMs = now - lastAt;
    process.send?.({
      type: "stats",
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      eventLoopUtilization: elu.utilization,
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      totalCpuMs: (total.user + total.system) / 1000,
    });
    lastCpu = process.cpuUsage();
    lastElu = performance.eventLoopUtilization();
    lastAt = now;
    delay.reset();
  } else if (message.type === "close") {
    void server.close().then(() => process.exit(0));
  }
});
process.on("disconnect", () => void server.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

import type { LatencySummary } from "./stats.ts";
import type { ServerStats } from "./server-process.ts";

/** Number formats shared by the groups' detail lines. */
export const n = (value: number) => Math.round(value).toLocaleString("en-US");
export const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
export const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(milliseconds < 10_000 ? 1 : 0)} s`;
export const latencyText = (l: LatencySummary) => `p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`;

/** What a server process did during a workload: CPU, and how busy its event loop was. */
export function serverText(stats: ServerStats): string {
  const cpuMs = stats.cpuUserMs + stats.cpuSystemMs;
  return `${n(cpuMs)} ms CPU in ${n(stats.wallMs)} ms (${((100 * cpuMs) / stats.wallMs).toFixed(0)}% of a core), event loop ${(100 * stats.eventLoopUtilization).toFixed(0)}% busy, loop delay p99 ${ms(stats.eventLoopDelayP99Ms)}`;
}

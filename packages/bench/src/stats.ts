/** Latency figures in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentiles of a set of samples (milliseconds).
 *
 * @example
 * summarize([1, 2, 3, 4]).p50; // 2
 */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const count = sorted.length;
  if (count === 0) return { count, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const rank = (p: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))]!;
  let total = 0;
  for (const value of sorted) total += value;
  return { count, p50: rank(50), p90: rank(90), p99: rank(99), max: sorted[count - 1]!, mean: total / count };
}

/** A high-resolution wall clock in milliseconds that processes on one machine share. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The run whose `pick` is the median of the runs, so the percentiles shown with it belong together.
 *
 * @example
 * medianBy([{ p50: 3 }, { p50: 1 }, { p50: 2 }], (run) => run.p50); // { p50: 2 }
 */
export function medianBy<T>(runs: T[], pick: (run: T) => number): T {
  return [...runs].sort((a, b) => pick(a) - pick(b))[Math.floor((runs.length - 1) / 2)]!;
}

import { describe, expect, it } from "vitest";
import { summarize } from "../src/stats.ts";

describe("summarize", () => {
  it("gives nearest-rank percentiles, the maximum and the mean of the samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(samples)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
  });

  it("reports NaN figures for no samples instead of inventing numbers", () => {
    expect(Number.isNaN(summarize([]).p50)).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { ratioAtLeast, ratioAtMost, spreadOf } from "../src/figures.ts";
import { createMarkerScanner } from "../src/marker-scanner.ts";
import { medianBy, summarize } from "../src/stats.ts";

describe("summarize", () => {
  it("gives nearest-rank percentiles, the maximum and the mean of the samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(samples)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
  });

  it("reports NaN figures for no samples instead of inventing numbers", () => {
    expect(Number.isNaN(summarize([]).p50)).toBe(true);
  });
});

describe("spreadOf and medianBy", () => {
  it("gives the median of the runs with their min and max", () => {
    expect(spreadOf([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: [3, 1, 2] });
    expect(spreadOf([4, 1, 2, 3]).median).toBe(2.5);
    expect(medianBy([{ p50: 3 }, { p50: 1 }, { p50: 2 }], (run) => run.p50)).toEqual({ p50: 2 });
  });
});

describe("ratio targets", () => {
  it("judge Tributary's median against another column's, and say nothing when that column is missing", () => {
    const figure = { values: { sqlite: spreadOf([1.2]), floor: spreadOf([1]) } };
    expect(ratioAtMost("floor", 1.3).meets(figure)).toBe(true);
    expect(ratioAtMost("floor", 1.1).meets(figure)).toBe(false);
    expect(ratioAtLeast("ds-memory", 1).meets(figure)).toBeUndefined();
    expect(ratioAtMost("floor", 1.3).text).toBe("≤ 1.3× the HTTP floor");
  });
});

describe("createMarkerScanner", () => {
  it("finds every marker's number, also when a marker or its number is split across chunks", () => {
    const seen: number[] = [];
    const scan = createMarkerScanner("rt", (value) => seen.push(value));
    const text = 'data: {"payload":{"rt":12}}\n\ndata: [{"payload":{"rt":345}}]\n\n';
    for (let at = 0; at < text.length; at += 5) scan(Buffer.from(text.slice(at, at + 5)));
    expect(seen).toEqual([12, 345]);
  });
});

import type { LatencySummary } from "./stats.ts";

/** Where the charts go, relative to the report (and how the report links them). */
export const chartsDir = "docs/benchmarks";

/** An SVG chart the bench writes beside the report, and embeds in it. */
export interface Chart {
  file: string;
  title: string;
  svg: string;
}

const colours = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#dc2626", "#0891b2", "#4b5563"];
const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const label = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

/**
 * Latency distributions side by side: for each series (a server), bars for p50, p90 and p99.
 *
 * @example
 * latencyChart({ file: "append-latency.svg", title: "Append latency", series: [{ label: "floor", latency }] });
 */
export function latencyChart(options: { file: string; title: string; series: { label: string; latency: LatencySummary }[] }): Chart {
  const rowHeight = 16;
  const groupHeight = 3 * rowHeight + 14;
  const left = 190;
  const width = 720;
  const plot = width - left - 60;
  const top = 40;
  const height = top + options.series.length * groupHeight + 20;
  const max = Math.max(...options.series.map((series) => series.latency.p99));
  const parts: string[] = [];
  options.series.forEach((series, index) => {
    const y = top + index * groupHeight;
    parts.push(`<text x="${left - 8}" y="${y + rowHeight * 1.5 + 4}" text-anchor="end">${escapeXml(series.label)}</text>`);
    (["p50", "p90", "p99"] as const).forEach((key, k) => {
      const value = series.latency[key];
      const w = Math.max(1, (plot * value) / max);
      parts.push(`<rect x="${left}" y="${y + k * rowHeight}" width="${w.toFixed(1)}" height="${rowHeight - 3}" fill="${colours[k]}" />`);
      parts.push(`<text x="${left + w + 4}" y="${y + k * rowHeight + 11}" font-size="11">${key} ${label(value)}</text>`);
    });
  });
  return { file: options.file, title: options.title, svg: frame(width, height, options.title, parts) };
}

/**
 * Growth curves: y against x on a logarithmic x axis, one line per series.
 *
 * @example
 * growthChart({ file: "growth.svg", title: "Append p50 (ms) by events in the stream", series: [{ label: "append", points: [{ x: 1000, y: 0.4 }] }] });
 */
export function growthChart(options: { file: string; title: string; xLabel: string; series: { label: string; points: { x: number; y: number }[] }[] }): Chart {
  const width = 720;
  const height = 320;
  const left = 60;
  const right = 180;
  const top = 40;
  const bottom = 50;
  const all = options.series.flatMap((series) => series.points);
  const xs = all.map((point) => Math.log10(point.x));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...all.map((point) => point.y)) * 1.1 || 1;
  const px = (x: number) => left + ((Math.log10(x) - xMin) / (xMax - xMin || 1)) * (width - left - right);
  const py = (y: number) => height - bottom - (y / yMax) * (height - top - bottom);
  const parts: string[] = [
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#999" />`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#999" />`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11">${label(yMax)}</text>`,
    `<text x="${left - 6}" y="${height - bottom}" text-anchor="end" font-size="11">0</text>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle" font-size="12">${escapeXml(options.xLabel)}</text>`,
  ];
  for (const x of [...new Set(all.map((point) => point.x))]) {
    parts.push(`<text x="${px(x).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11">${x.toLocaleString("en-US")}</text>`);
  }
  options.series.forEach((series, index) => {
    const colour = colours[index % colours.length];
    const points = series.points.map((point) => `${px(point.x).toFixed(1)},${py(point.y).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2" />`);
    for (const point of series.points)
      parts.push(`<circle cx="${px(point.x).toFixed(1)}" cy="${py(point.y).toFixed(1)}" r="3" fill="${colour}"><title>${label(point.y)}</title></circle>`);
    parts.push(`<rect x="${width - right + 12}" y="${top + index * 18}" width="10" height="10" fill="${colour}" />`);
    parts.push(`<text x="${width - right + 28}" y="${top + index * 18 + 9}" font-size="11">${escapeXml(series.label)}</text>`);
  });
  return { file: options.file, title: options.title, svg: frame(width, height, options.title, parts) };
}

function frame(width: number, height: number, title: string, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff" />
<text x="12" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>
${parts.join("\n")}
</svg>
`;
}

/**
 * The UI's icons as inline SVG (no icon font, no emoji: headless and minimal systems lack those fonts).
 * Each is a list of path commands on a 16×16 grid, stroked with the current colour.
 */
const paths = {
  clock: "M8 1.8a6.2 6.2 0 1 0 0 12.4A6.2 6.2 0 0 0 8 1.8zM8 4.5V8l2.5 1.6",
  plus: "M8 3v10M3 8h10",
  minus: "M3 8h10",
  warning: "M8 1.8 15 14H1zM8 6.2v3.6M8 11.6v.4",
  gear: "M8 5.6a2.4 2.4 0 1 0 0 4.8 2.4 2.4 0 0 0 0-4.8zM8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4",
  send: "M2 8h9M8 4.5 11.5 8 8 11.5M13.5 2.5v11",
  swap: "M2.5 5.5h10M10 3l2.5 2.5L10 8M13.5 10.5h-10M6 8l-2.5 2.5L6 13",
  pause: "M5.5 3v10M10.5 3v10",
  play: "M4.5 2.8v10.4L13 8z",
  bolt: "M9 1.5 3.5 9H8l-1 5.5L12.5 7H8z",
  trash: "M2.5 4h11M6 4V2.5h4V4M4 4l.8 9.5h6.4L12 4",
  tool: "M10.5 1.8a3.2 3.2 0 0 0-3 4.3L2 11.6 4.4 14l5.5-5.5a3.2 3.2 0 0 0 4.3-3l-1.9 1.9-2.1-.5-.5-2.1z",
  spark: "M8 1.5v3M8 11.5v3M1.5 8h3M11.5 8h3M3.4 3.4l2.1 2.1M10.5 10.5l2.1 2.1M3.4 12.6l2.1-2.1M10.5 5.5l2.1-2.1",
  dot: "M8 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
} as const;

export type IconName = keyof typeof paths;

/** An inline SVG icon. */
export function icon(name: IconName): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("class", `icon icon-${name}`);
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", paths[name]);
  svg.append(path);
  return svg;
}

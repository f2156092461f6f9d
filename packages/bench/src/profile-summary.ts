/**
 * Summarises a V8 `.cpuprofile` (from `--cpu-prof`, see `npm run bench -- --profile`): self time by
 * function and by file, so a missed target can be traced to the code that costs the time.
 *
 * Usage: node packages/bench/src/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function and per file, in milliseconds, largest first.
 *
 * @example
 * const { byFunction } = summarizeProfile(JSON.parse(readFileSync("x.cpuprofile", "utf8")));
 */
export function summarizeProfile(profile: Profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const nameOf = (id: number) => {
    const frame = nodes.get(id)!.callFrame;
    return `${frame.functionName || "(anonymous)"}  ${shorten(frame.url) || "(native)"}:${frame.lineNumber + 1}`;
  };
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const file = shorten(nodes.get(id)!.callFrame.url) || "(native)";
    byFunction.set(nameOf(id), (byFunction.get(nameOf(id)) ?? 0) + ms);
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
    total += ms;
    // Inclusive time: every distinct function on the sample's stack gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) seen.add(nameOf(at));
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, byFunction: sorted(byFunction), byFile: sorted(byFile), inclusive: sorted(inclusive) };
}

function shorten(url: string): string {
  return url.replace(/^file:\/\/.*?\/node_modules\//, "npm:").replace(/^file:\/\/.*?\/packages\//, "packages/");
}

if (import.meta.main) {
  const [file, top = "25"] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node packages/bench/src/profile-summary.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  const summary = summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as Profile);
  const line = ([name, ms]: [string, number]) => `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%  ${name}`;
  console.log(`total sampled: ${summary.totalMs.toFixed(0)} ms\n\nby file:`);
  for (const entry of summary.byFile.slice(0, Number(top))) console.log(line(entry));
  console.log("\nby function (inclusive time, packages/ and npm: only):");
  const ours = summary.inclusive.filter(([name]) => /packages\/|npm:/.test(name));
  for (const entry of ours.slice(0, Number(top))) console.log(line(entry));
  console.log("\nby function (self time):");
  for (const entry of summary.byFunction.slice(0, Number(top))) console.log(line(entry));
}

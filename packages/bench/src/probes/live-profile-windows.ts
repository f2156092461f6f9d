/**
 * Probe (not part of `npm run bench`): what a server's CPU profile holds inside each live round trip's
 * windows, as written by `live-trace-preload.mjs` with `LIVE_TRACE_WINDOWS`: the critical path (the
 * append's `request` event → the reader's socket write) and the tail (the round trip's last write → the
 * next request). For each, the samples that fall inside the windows by file and by function (self time),
 * in µs per round trip. V8's profiles and the preload's marks are on the same monotonic clock.
 *
 * LIVE_TRACE=1 LIVE_TRACE_WINDOWS=/tmp/w PROFILE_DIR=/tmp/w PROFILE_INTERVAL_US=25 \
 *   NODE_OPTIONS="--conditions=tributary-source --import ./packages/bench/src/probes/live-trace-preload.mjs" \
 *   node packages/bench/src/probes/live-ab.ts "" 1 3000
 * node packages/bench/src/probes/live-profile-windows.ts /tmp/w [files listed=12]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [dir, topFiles = "12"] = process.argv.slice(2);
if (!dir) throw new Error("usage: live-profile-windows.ts <dir with windows-<pid>.json and the .cpuprofile files>");
const files = readdirSync(dir);
const short = (url: string) => url.replace(/^file:\/\/.*?\/(packages\/|node_modules\/)/, "$1").replace(/^node_modules\//, "npm:") || "(native)";

for (const windowsFile of files.filter((file) => /^windows-\d+\.json$/.test(file))) {
  const pid = /\d+/.exec(windowsFile)![0];
  const profileFile = files.find((file) => file.endsWith(".cpuprofile") && file.includes(`.${pid}.`));
  if (!profileFile) continue;
  const windows = JSON.parse(readFileSync(join(dir, windowsFile), "utf8")) as Record<string, [number, number][]>;
  const profile = JSON.parse(readFileSync(join(dir, profileFile), "utf8")) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const times: number[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((at += delta));
  console.log(`\nprocess ${pid} (${profileFile}), ${profile.samples.length} samples`);
  for (const [name, list] of Object.entries(windows)) {
    const sorted = [...list].sort((a, b) => a[0] - b[0]);
    const byFile = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let inside = 0;
    let w = 0;
    for (let i = 0; i < times.length; i++) {
      const time = times[i]!;
      while (w < sorted.length && sorted[w]![1] < time) w++;
      if (w >= sorted.length) break;
      if (time < sorted[w]![0]) continue;
      // The sample's weight: the time to the next sample (the interval it stands for).
      const weight = (times[i + 1] ?? time) - time;
      const frame = nodes.get(profile.samples[i]!)!.callFrame;
      inside += weight;
      const file = frame.url === "" ? `(${frame.functionName || "native"})` : short(frame.url);
      byFile.set(file, (byFile.get(file) ?? 0) + weight);
      const fn = `${frame.functionName || "(anonymous)"} ${short(frame.url)}:${frame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + weight);
    }
    const windowTotal = sorted.reduce((sum, [start, end]) => sum + (end - start), 0);
    const perTrip = (us: number) => (us / sorted.length).toFixed(1);
    console.log(`  ${name}: ${sorted.length} windows, ${perTrip(windowTotal)} µs each on average, sampled inside ${perTrip(inside)} µs per round trip`);
    const top = (map: Map<string, number>, n: number) =>
      [...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([key, us]) => `      ${perTrip(us).padStart(7)} µs  ${key}`)
        .join("\n");
    console.log(`    by file:\n${top(byFile, Number(topFiles))}\n    by function (self):\n${top(byFunction, 25)}`);
  }
}

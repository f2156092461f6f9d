import { addedAtMost, spreadOf, type FigureSpec } from "../figures.ts";
import { latencyText, ms } from "../format.ts";
import { withSubjects, type BenchGroup } from "../group.ts";
import { measureHostedOverhead } from "../scenarios/hosted-overhead.ts";

const figures = [
  {
    id: "hosted.live",
    label: "Hosted processor: ping → pong round trip p50 (floor column: the same processor under `tributary run`)",
    unit: "ms",
    better: "lower",
    target: addedAtMost("floor", 0.05, "ms", "`tributary run`"),
  },
  {
    id: "hosted.reduce",
    label: "Hosted processor: catch-up reduce per event (floor column: the SDK runtime in the bench process)",
    unit: "µs",
    better: "lower",
    target: addedAtMost("floor", 50, "µs", "in-process"),
  },
  {
    id: "hosted.deploy",
    label: "Hosted processor: deploy, `processor/deployed` → `processor/started` (floor column: `tributary deploy` end to end)",
    unit: "ms",
    better: "lower",
  },
] as const satisfies FigureSpec[];

/**
 * Hosted processors (code is an event) on Tributary (SQLite): the per-event overhead of running a processor
 * in the server's sandbox against the same file under `tributary run`, and what a deploy costs.
 */
export const group: BenchGroup = {
  name: "hosted",
  // Last: in --quick mode the server is shared, and its sandbox process stays up once started.
  order: 90,
  steps: () => 1,
  figures,
  async run(context) {
    await withSubjects(context, ["sqlite"], async ([server]) => {
      context.progress.step(`hosted processor against tributary run; ${context.rounds} interleaved rounds`);
      const sizes = context.quick
        ? { roundTrips: 60, warmup: 10, deploys: 2, cliDeploys: 1, catchUp: 5_000 }
        : { roundTrips: 500, warmup: 50, deploys: 5, cliDeploys: 3, catchUp: 50_000 };
      const result = await measureHostedOverhead(server!.server.url, { rounds: context.rounds, ...sizes, progress: context.progress });
      context.results.set("hosted.live", { values: { sqlite: spreadOf(result.hostedP50s), floor: spreadOf(result.runP50s) } });
      context.results.set("hosted.reduce", { values: { sqlite: spreadOf([result.hostedReduceUs]), floor: spreadOf([result.inProcessReduceUs]) } });
      context.results.set("hosted.deploy", { values: { sqlite: spreadOf(result.warmDeployMs), floor: spreadOf(result.cliDeployMs) } });
      const overheadUs = (spreadOf(result.hostedP50s).median - spreadOf(result.runP50s).median) * 1000;
      context.progress.done(
        `hosted ${ms(result.hosted.p50)}, tributary run ${ms(result.run.p50)} (overhead ${overheadUs.toFixed(0)} µs); deploy ${ms(spreadOf(result.warmDeployMs).median)}`,
      );
      context.details.push(
        `- **Hosted processor overhead**: one module (reduce counts, afterAppend answers \`bench/ping\` with \`bench/pong\`) deployed into the server's sandbox and run by \`tributary run\` in its own process, each on its own stream; ${sizes.roundTrips} sequential ping → pong round trips per round after ${sizes.warmup} warm-up, the two alternating round by round, each sample from sending the ping to a live SSE reader seeing the pong. Hosted: ${latencyText(result.hosted)}. \`tributary run\`: ${latencyText(result.run)}. Per-event overhead (difference of the median p50s): ${overheadUs.toFixed(1)} µs (target ≤ 50 µs; a negative figure means hosted is faster: it saves the runner's HTTP round trips).`,
        `- **Hosted catch-up**: ${result.catchUpEvents.toLocaleString("en-US")} events: hosted ${result.hostedReduceUs.toFixed(1)} µs per event (deploy → \`processor/started\`, less the median warm deploy; events read inside the server, reduced in the isolate in pages), the SDK runtime in the bench process ${result.inProcessReduceUs.toFixed(1)} µs per event (over SSE). One run each.`,
        `- **Deploy cost**: the first deploy on a server ${ms(result.coldDeployMs)} (it starts the sandbox process); then ${result.warmDeployMs.map(ms).join(", ")} (append → \`processor/started\`: a new isolate, the module evaluated, an empty stream caught up). \`tributary deploy\` as a process, end to end (Node start, esbuild bundle, append, wait for the start): ${result.cliDeployMs.map(ms).join(", ")}.`,
      );
    });
  },
};

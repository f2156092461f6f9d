import { ratioAtMost, type FigureSpec } from "../figures.ts";
import { latencyText, n } from "../format.ts";
import { figureFrom, interleave, withSubjects, type BenchGroup } from "../group.ts";
import { measureLiveRoundTrip } from "../scenarios/live-round-trip.ts";
import { medianBy } from "../stats.ts";
import { subjectIds, subjects } from "../subjects.ts";

const figures = [
  { id: "live.p50", label: "Append → live SSE reader round trip p50", unit: "ms", better: "lower", target: ratioAtMost("floor", 1.3) },
] as const satisfies FigureSpec[];

/** One live SSE reader, one client appending sequentially: from sending an append to the reader having it. */
export const group: BenchGroup = {
  name: "live",
  order: 20,
  steps: () => 1,
  figures,
  async run(context) {
    const count = context.quick ? 60 : 1500;
    await withSubjects(context, subjectIds, async (running, missing) => {
      context.progress.step(`append → live SSE reader round trip; ${context.rounds} interleaved rounds`);
      const runs = await interleave(running, context.rounds, (subject, round) =>
        measureLiveRoundTrip(subject.server.url, subject.wire, {
          count,
          warmup: Math.round(count / 10),
          name: `/bench/live-${round}`,
          progress: context.progress,
        }),
      );
      context.results.set(
        "live.p50",
        figureFrom(runs, (l) => l.p50, missing),
      );
      context.progress.done([...runs].map(([id, list]) => `${id} ${medianBy(list, (l) => l.p50).p50.toFixed(2)} ms`).join(", "));
      context.details.push(
        `- **Live round trip**: one live SSE reader (Tributary \`?live=true\`, the reference \`live=sse\`, the floor relays the appends to its readers at the end of each event-loop turn), one client appending sequentially; ${n(count)} samples per run after ${n(count / 10)} warm-up, each from sending the append to the reader receiving the event. Median run: ${[...runs].map(([id, list]) => `${subjects[id].label} ${latencyText(medianBy(list, (l) => l.p50))}`).join("; ")}.`,
      );
    });
  },
};

import { ratioAtMost, type FigureSpec } from "../figures.ts";
import { latencyText, n, seconds, serverText } from "../format.ts";
import { figureFrom, interleave, withSubjects, type BenchGroup } from "../group.ts";
import { measureFanOut, type FanOutResult } from "../scenarios/fan-out.ts";
import { medianBy } from "../stats.ts";
import { subjects, type SubjectId } from "../subjects.ts";

const figures = [
  { id: "fanout.p99", label: "1,000 SSE readers on one stream at 500 events/s, delivery p99", unit: "ms", better: "lower", target: ratioAtMost("floor", 2) },
] as const satisfies FigureSpec[];

/** Many live SSE readers (in their own process) on one stream while one client appends at 500 events/s. */
export const group: BenchGroup = {
  name: "fanout",
  order: 30,
  steps: () => 1,
  figures,
  async run(context) {
    const readers = context.quick ? 50 : 1000;
    const durationMs = context.quick ? 500 : 6000;
    const ids: SubjectId[] = ["sqlite", "postgres", "floor", "ds-memory"];
    await withSubjects(context, ids, async (running, missing) => {
      context.progress.step(`${n(readers)} live SSE readers at 500 events/s; ${context.rounds} interleaved rounds`);
      const cpu = new Map<SubjectId, string>();
      const runs = await interleave(running, context.rounds, async (subject, round) => {
        await subject.server.stats();
        const result = await measureFanOut(subject.server.url, subject.wire, {
          readers,
          rate: 500,
          durationMs,
          name: `/bench/fan-out-${round}`,
          progress: context.progress,
          serverPid: subject.server.pid,
        });
        cpu.set(subject.id, serverText(await subject.server.stats()));
        context.cpu.addChild(result.readerCpuMs);
        return result;
      });
      const figure = figureFrom(runs, (r) => r.latency.p99, missing);
      const short = [...runs].flatMap(([id, list]) => (list.some((r) => r.cutShort || r.achievedRate < 0.95 * 500) ? [subjects[id].label] : []));
      const caveats: string[] = [];
      if (short.length > 0) caveats.push(`short of 500 events/s: ${short.join(", ")}`);
      if (readers !== 1000) caveats.push(`${n(readers)} readers in --quick mode`);
      if (caveats.length > 0) figure.caveat = caveats.join("; ");
      if (short.includes(subjects.sqlite.label) || readers !== 1000) figure.shortOfWorkload = true;
      context.results.set("fanout.p99", figure);
      context.progress.done([...runs].map(([id, list]) => `${id} p99 ${medianBy(list, (r) => r.latency.p99).latency.p99.toFixed(1)} ms`).join(", "));
      const describe = (id: SubjectId, list: FanOutResult[]) => {
        const run = medianBy(list, (r) => r.latency.p99);
        return `${subjects[id].label} ${latencyText(run.latency)} (${n(run.achievedRate)} events/s achieved, ${n(run.complete)} of ${n(run.readers)} readers got every event, ${Math.round((run.events * run.readers) / Math.max(1, run.reads))} events per read, ${Math.round(100 * run.queuedShare)}% of appends sent while all 16 of the appender's connections awaited an answer, readers' process ${n(run.readerCpuMs)} ms CPU; server ${cpu.get(id)})`;
      };
      context.details.push(
        `- **Fan-out**: ${n(readers)} live SSE readers (raw sockets in their own process) on one stream; one client appends at 500 events/s for ${seconds(durationMs)} per run (open loop). Each event carries its send time; each delivery is one sample. The floor gathers the frames of one event-loop turn and writes them to every reader at once. Processes: ${[...runs][0]?.[1][0]?.pinning ?? "not pinned"} (the appender, in the bench process, is not pinned). Median run: ${[...runs].map(([id, list]) => describe(id, list)).join("; ")}.`,
      );
    });
  },
};

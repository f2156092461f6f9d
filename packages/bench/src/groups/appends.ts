import { latencyChart } from "../charts.ts";
import { allOf, atLeast, ratioAtLeast, ratioAtMost, spreadOf, type ColumnId, type FigureSpec } from "../figures.ts";
import { latencyText, n, seconds, serverText } from "../format.ts";
import { figureFrom, interleave, withSubjects, type BenchGroup } from "../group.ts";
import { measureAppendLatency } from "../scenarios/append-latency.ts";
import { measureAppendThroughput, type ThroughputResult } from "../scenarios/append-throughput.ts";
import { medianBy, type LatencySummary } from "../stats.ts";
import { openStorageFloor } from "../storage-floor.ts";
import { subjectIds, subjects, type SubjectId } from "../subjects.ts";

const figures = [
  { id: "append.p50", label: "Sequential append latency p50", unit: "ms", better: "lower", target: ratioAtMost("floor", 1.3) },
  { id: "append.p99", label: "Sequential append latency p99", unit: "ms", better: "lower" },
  {
    id: "concurrent",
    label: "Appends/s, one stream, 32 concurrent clients",
    unit: "appends/s",
    better: "higher",
    target: allOf(ratioAtLeast("floor", 0.9), ratioAtLeast("ds-memory", 1)),
  },
  { id: "batch", label: "Events/s appended in batches of 100 (4 clients)", unit: "events/s", better: "higher", target: atLeast(100_000, "events/s") },
] as const satisfies FigureSpec[];

const sizesFor = (quick: boolean) =>
  quick ? { sequential: 100, warmup: 20, durationMs: 500, warmupMs: 100 } : { sequential: 3000, warmup: 300, durationMs: 3000, warmupMs: 500 };

/** Appends on one stream: sequential latency, 32 concurrent clients, batches; every subject, interleaved. */
export const group: BenchGroup = {
  name: "appends",
  order: 10,
  steps: () => 3,
  figures,
  async run(context) {
    const { progress, results, details, rounds } = context;
    const size = sizesFor(context.quick);
    const storage = openStorageFloor();
    try {
      await withSubjects(context, subjectIds, async (running, missing) => {
        const cpu = new Map<SubjectId, string>();
        const note = async (subject: (typeof running)[number]) => cpu.set(subject.id, serverText(await subject.server.stats()));
        const cpuText = () => running.map((subject) => `${subject.label}: ${cpu.get(subject.id)}`).join("; ");

        progress.step(`sequential appends, one client: ${running.map((s) => s.label).join(", ")}, storage floor; ${rounds} interleaved rounds`);
        const storageSequential: LatencySummary[] = [];
        const sequential = await interleave(running, rounds, async (subject, round) => {
          await subject.server.stats();
          const latency = await measureAppendLatency(subject.server.url, subject.wire, {
            count: size.sequential,
            warmup: size.warmup,
            name: `/bench/sequential-${round}`,
            progress,
          });
          await note(subject);
          if (subject === running.at(-1)) storageSequential.push(storage.sequential(size.sequential));
          return latency;
        });
        const sequentialRuns = new Map<ColumnId, LatencySummary[]>([...sequential, ["storage", storageSequential]]);
        results.set(
          "append.p50",
          figureFrom(sequentialRuns, (l) => l.p50, missing),
        );
        results.set(
          "append.p99",
          figureFrom(sequentialRuns, (l) => l.p99, missing),
        );
        context.charts.push(
          latencyChart({
            file: "append-latency.svg",
            title: "Sequential append latency (ms, median run), one client",
            series: [...sequentialRuns].map(([id, runs]) => ({
              label: id === "storage" ? "Storage floor (raw SQLite)" : subjects[id as SubjectId].label,
              latency: medianRun(runs),
            })),
          }),
        );
        progress.done(`p50 ${[...sequential].map(([id, runs]) => `${id} ${spreadOf(runs.map((l) => l.p50)).median.toFixed(2)}`).join(", ")} ms`);
        details.push(
          `- **Sequential appends**: ${n(size.sequential)} single-event appends after ${n(size.warmup)} warm-up per run, one client on one keep-alive connection, each sent when the previous was acknowledged; ${rounds} runs per server, interleaved. Median run: ${[...sequential].map(([id, runs]) => `${subjects[id].label} ${latencyText(medianRun(runs))}`).join("; ")}. Storage floor (one-row SQLite transactions in the bench process): ${latencyText(medianRun(storageSequential))}. Server processes in the last run: ${cpuText()}.`,
        );

        progress.step(`32 concurrent clients on one stream; ${rounds} interleaved rounds`);
        const storageRates: number[] = [];
        const concurrent = await interleave(running, rounds, async (subject, round) => {
          await subject.server.stats();
          const result = await measureAppendThroughput(subject.server.url, subject.wire, {
            clients: 32,
            batchSize: 1,
            durationMs: size.durationMs,
            warmupMs: size.warmupMs,
            name: `/bench/concurrent-${round}`,
            progress,
          });
          await note(subject);
          if (subject === running.at(-1)) storageRates.push(storage.rate(size.durationMs, 1));
          return result;
        });
        const concurrentRuns = new Map<ColumnId, ThroughputResult[]>(concurrent);
        const concurrentFigure = figureFrom(concurrentRuns, (r) => r.requestsPerSecond, missing);
        concurrentFigure.values.storage = spreadOf(storageRates);
        results.set("concurrent", concurrentFigure);
        progress.done([...concurrent].map(([id, runs]) => `${id} ${n(spreadOf(runs.map((r) => r.requestsPerSecond)).median)}/s`).join(", "));
        details.push(
          `- **32 concurrent clients, one stream**: 32 keep-alive connections, each appending one event as soon as its previous append was acknowledged, ${seconds(size.durationMs)} measured after ${seconds(size.warmupMs)} warm-up per run. Latency under this load (median run): ${[...concurrent].map(([id, runs]) => `${subjects[id].label} ${latencyText(medianBy(runs, (r) => r.requestsPerSecond).latency)}`).join("; ")}. Storage floor: one-row transactions back to back, ${n(spreadOf(storageRates).median)} rows/s. Server processes in the last run: ${cpuText()}.`,
        );

        progress.step(`batches of 100 events, 4 clients; ${rounds} interleaved rounds`);
        const storageBatches: number[] = [];
        const batches = await interleave(running, rounds, async (subject, round) => {
          const result = await measureAppendThroughput(subject.server.url, subject.wire, {
            clients: 4,
            batchSize: 100,
            durationMs: size.durationMs,
            warmupMs: size.warmupMs,
            name: `/bench/batches-${round}`,
            progress,
          });
          if (subject === running.at(-1)) storageBatches.push(storage.rate(size.durationMs, 100));
          return result;
        });
        const batchFigure = figureFrom(new Map<ColumnId, ThroughputResult[]>(batches), (r) => r.eventsPerSecond, missing);
        batchFigure.values.storage = spreadOf(storageBatches);
        results.set("batch", batchFigure);
        progress.done([...batches].map(([id, runs]) => `${id} ${n(spreadOf(runs.map((r) => r.eventsPerSecond)).median)}/s`).join(", "));
        details.push(
          `- **Batches**: 4 clients on one stream, each sending a batch of 100 events (\`{events:[…]}\`; a JSON array on the reference) when its previous batch was acknowledged, ${seconds(size.durationMs)} per run. Storage floor: 100-row transactions back to back.`,
        );
      });
    } finally {
      storage.close();
    }
  },
};

const medianRun = (runs: LatencySummary[]) => medianBy(runs, (l) => l.p50);

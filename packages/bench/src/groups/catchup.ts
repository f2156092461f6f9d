import { ratioAtLeast, type FigureSpec } from "../figures.ts";
import { n } from "../format.ts";
import { figureFrom, interleave, withSubjects, type BenchGroup } from "../group.ts";
import { FillTooSlowError, fillStream, readJsonCatchUp, readSseCatchUp } from "../scenarios/catch-up.ts";
import { readProcessorCatchUp } from "../scenarios/processor-catch-up.ts";
import { subjectIds, subjects } from "../subjects.ts";
import { tributaryJsonPageLimit } from "../wire.ts";

const figures = [
  { id: "catchup.sse", label: "Catch-up read over SSE", unit: "events/s", better: "higher", target: ratioAtLeast("ds-memory", 1) },
  { id: "catchup.json", label: "Catch-up read over JSON pages", unit: "events/s", better: "higher", target: ratioAtLeast("ds-memory", 1) },
  {
    id: "processor.reduce",
    label: "Processor catch-up (reduce), reference: its JSON-page read",
    unit: "events/s",
    better: "higher",
    target: ratioAtLeast("ds-memory", 1),
  },
] as const satisfies FigureSpec[];

/** Reading a stream's history from the start: SSE, JSON pages, and the SDK's processor runtime. */
export const group: BenchGroup = {
  name: "catchup",
  order: 40,
  steps: () => 4,
  figures,
  async run(context) {
    const count = context.quick ? 3_000 : 200_000;
    const name = "/bench/catch-up";
    const { progress, rounds } = context;
    await withSubjects(context, subjectIds, async (all, missing) => {
      progress.step(`filling a ${n(count)}-event stream on each server`);
      const running: typeof all = [];
      for (const subject of all) {
        try {
          await fillStream(subject.server.url, subject.wire, { name, count, progress, timeoutMs: context.quick ? 30_000 : 120_000 });
          running.push(subject);
        } catch (error) {
          if (!(error instanceof FillTooSlowError)) throw error;
          missing[subject.id] = error.message;
        }
      }
      progress.done(
        `filled${
          Object.keys(missing).length > 0
            ? `; left out: ${Object.entries(missing)
                .map(([id, why]) => `${id} (${why})`)
                .join(", ")}`
            : ""
        }`,
      );

      progress.step(`catch-up over SSE; ${rounds} interleaved rounds`);
      const sse = await interleave(running, rounds, (subject) => readSseCatchUp(subject.server.url, subject.wire, { name, count }));
      context.results.set(
        "catchup.sse",
        figureFrom(sse, (rate) => rate, missing),
      );
      progress.done([...sse].map(([id, runs]) => `${id} ${n(Math.max(...runs))}/s`).join(", "));

      progress.step(`catch-up over JSON pages; ${rounds} interleaved rounds`);
      const json = await interleave(running, rounds, (subject) => readJsonCatchUp(subject.server.url, subject.wire, { name, count }));
      context.results.set(
        "catchup.json",
        figureFrom(json, (read) => read.eventsPerSecond, missing),
      );
      progress.done([...json].map(([id, runs]) => `${id} ${n(Math.max(...runs.map((r) => r.eventsPerSecond)))}/s`).join(", "));

      progress.step(`processor catch-up (the SDK's PullProcessorRuntime); ${rounds} interleaved rounds`);
      const tributary = running.filter((subject) => subject.wire.kind === "tributary" && subject.id !== "floor");
      const processor = await interleave(tributary, rounds, (subject) => readProcessorCatchUp(subject.server.url, { name, count }));
      const reference = json.get("ds-memory");
      const processorFigure = figureFrom(processor, (rate) => rate, missing);
      if (reference) processorFigure.values["ds-memory"] = figureFrom(new Map([["ds-memory", reference]]), (read) => read.eventsPerSecond).values["ds-memory"]!;
      context.results.set("processor.reduce", processorFigure);
      progress.done([...processor].map(([id, runs]) => `${id} ${n(Math.max(...runs))}/s`).join(", "));

      context.details.push(
        `- **Catch-up**: a ${n(count)}-event stream (about 220 bytes an event; filled in batches of 1,000) read from its start, ${rounds} runs per server, interleaved. SSE: one GET (Tributary's finite SSE; the reference's \`live=sse\` until it has sent every event; the floor synthesises the frames from nothing), events counted by a byte scan as they arrive, nothing parsed. JSON pages: Tributary's \`format=json&limit=${tributaryJsonPageLimit}\` following \`nextAfterOffset\`; the reference's plain GETs following \`Stream-Next-Offset\` (${[...json].map(([id, runs]) => `${subjects[id].label} ${n(runs[0]!.pages)} pages`).join(", ")}); only each page's trailer or headers read. Processor catch-up: \`PullProcessorRuntime\` with a counting \`reduce\`, in the bench process, from \`start()\` until caught up (count checked); its reference column is the reference's JSON-page read (it has no processor runtime).`,
      );
    });
  },
};

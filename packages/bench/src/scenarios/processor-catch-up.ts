import { defineProcessor, PullProcessorRuntime } from "@tributary/sdk";
import type { Progress } from "../progress.ts";

export interface ProcessorCatchUpResult {
  eventsPerSecond: number;
  runs: number[];
}

/**
 * Processor catch-up (reduce) rate: how fast the SDK's `PullProcessorRuntime`, in this process, reads a
 * stream's whole history over SSE and folds it with a processor's `reduce` until it is caught up
 * (`start()` resolves once history is reduced and `onCaughtUp` ran). The processor counts events; the
 * count is checked so a runtime that skipped events could not look fast.
 *
 * @example
 * const { eventsPerSecond } = await measureProcessorCatchUp(url, { stream: "/bench/catch-up", count: 200_000, runs: 3, progress });
 */
export async function measureProcessorCatchUp(
  baseUrl: string,
  options: { stream: string; count: number; runs: number; progress: Progress },
): Promise<ProcessorCatchUpResult> {
  const counter = defineProcessor(() => ({
    slug: "bench-counter",
    initialState: { events: 0, lastOffset: 0 },
    reduce: ({ event, state }) => ({ events: state.events + 1, lastOffset: event.offset }),
  }));
  const runs: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const runtime = new PullProcessorRuntime({ baseUrl, path: options.stream, processor: counter, logLevel: "warn" });
    const started = performance.now();
    try {
      await runtime.start();
      const seconds = (performance.now() - started) / 1000;
      const state = runtime.state();
      if (state?.events !== options.count) {
        throw new Error(`the processor reduced ${state?.events} events; the stream holds ${options.count}`);
      }
      runs.push(options.count / seconds);
      options.progress.tick(`run ${run + 1}/${options.runs}: ${Math.round(options.count / seconds).toLocaleString("en-US")} events/s`);
    } finally {
      await runtime.stop();
    }
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { eventsPerSecond: sorted[Math.floor(sorted.length / 2)]!, runs };
}

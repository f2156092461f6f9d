import { defineProcessor, PullProcessorRuntime } from "@tributary/sdk";

const counter = defineProcessor(() => ({
  slug: "bench-counter",
  initialState: { events: 0, lastOffset: 0 },
  reduce: ({ event, state }) => ({ events: state.events + 1, lastOffset: event.offset }),
}));

/**
 * Processor catch-up (reduce) rate: how fast the SDK's `PullProcessorRuntime`, in this process, reads a
 * stream's whole history and folds it with a processor's `reduce` until it is caught up (`start()`
 * resolves once history is reduced). The processor counts events; the count is checked so a runtime
 * that skipped events could not look fast. Resolves with events per second.
 *
 * @example
 * const rate = await readProcessorCatchUp(url, { name: "/bench/catch-up", count: 200_000 });
 */
export async function readProcessorCatchUp(baseUrl: string, options: { name: string; count: number }): Promise<number> {
  const runtime = new PullProcessorRuntime({ baseUrl, path: options.name, processor: counter, logLevel: "warn" });
  const started = performance.now();
  try {
    await runtime.start();
    const seconds = (performance.now() - started) / 1000;
    const state = runtime.state();
    if (state?.events !== options.count) throw new Error(`the processor reduced ${state?.events} events; the stream holds ${options.count}`);
    return options.count / seconds;
  } finally {
    await runtime.stop();
  }
}

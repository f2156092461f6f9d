import type { FigureResult } from "../figures.ts";

/**
 * Processor catch-up (reduce) rate: how fast the SDK's pull runtime folds a large stream's history
 * into state. Needs `PullProcessorRuntime` from the SDK; until it exists the figure says so.
 *
 * @example
 * const figure = await measureProcessorCatchUp(url, { stream: "/bench/catch-up", count: 200_000 });
 */
export async function measureProcessorCatchUp(_baseUrl: string, _options: { stream: string; count: number }): Promise<FigureResult> {
  const sdk = (await import("@tributary/sdk")) as Record<string, unknown>;
  const runtime = sdk.createPullProcessorRuntime ?? sdk.PullProcessorRuntime;
  if (runtime === undefined) {
    return { notMeasured: "the SDK has no PullProcessorRuntime yet (packages/sdk exports none)" };
  }
  return { notMeasured: "the SDK's PullProcessorRuntime exists but this benchmark does not drive it yet" };
}

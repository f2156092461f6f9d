import type { PriceTable, Usage, UsageTotals } from "./events.ts";

export const emptyTotals: UsageTotals = { requests: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };

/**
 * What one request cost by the price table, or `undefined` when the table has no price for its model (nor
 * a `*` one). Cached input tokens are priced at `cachedInputPerMillion` (else as input); reasoning tokens
 * are output tokens, as the providers count them.
 *
 * @example
 * requestCost({ models: { m: { inputPerMillion: 1, outputPerMillion: 2 } } }, "m", { inputTokens: 1e6, outputTokens: 1e6 }); // 3
 */
export function requestCost(prices: PriceTable | undefined, model: string | undefined, usage: Usage): number | undefined {
  const price = prices && (prices.models[model ?? ""] ?? prices.models["*"]);
  if (!price) return undefined;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const cachedPrice = price.cachedInputPerMillion ?? price.inputPerMillion;
  return ((usage.inputTokens - cached) * price.inputPerMillion + cached * cachedPrice + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}

/** `totals` plus one request's usage (and its cost, when it has one). */
export function addUsage(totals: UsageTotals, usage: Usage, cost: number | undefined, currency: string | undefined): UsageTotals {
  const next: UsageTotals = {
    requests: totals.requests + 1,
    inputTokens: totals.inputTokens + usage.inputTokens,
    outputTokens: totals.outputTokens + usage.outputTokens,
    cachedInputTokens: totals.cachedInputTokens + (usage.cachedInputTokens ?? 0),
    reasoningTokens: totals.reasoningTokens + (usage.reasoningTokens ?? 0),
  };
  if (cost !== undefined || totals.cost !== undefined) next.cost = (totals.cost ?? 0) + (cost ?? 0);
  const unit = cost !== undefined ? currency : totals.currency;
  if (unit !== undefined) next.currency = unit;
  return next;
}

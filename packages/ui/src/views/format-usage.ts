/**
 * Token usage totals as one line: "3 requests · 3,500 in (1,400 cached) → 160 out (30 reasoning) · EUR 0.0095".
 * The parts that are zero or absent are left out.
 *
 * @example
 * formatUsage({ requests: 1, inputTokens: 10, outputTokens: 2 }); // "1 request · 10 in → 2 out"
 */
export function formatUsage(usage: Record<string, unknown>): string {
  const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const requests = count(usage.requests);
  const cached = count(usage.cachedInputTokens);
  const reasoning = count(usage.reasoningTokens);
  const parts = [
    `${requests.toLocaleString("en")} request${requests === 1 ? "" : "s"}`,
    `${count(usage.inputTokens).toLocaleString("en")} in${cached ? ` (${cached.toLocaleString("en")} cached)` : ""} → ${count(usage.outputTokens).toLocaleString("en")} out${reasoning ? ` (${reasoning.toLocaleString("en")} reasoning)` : ""}`,
  ];
  if (typeof usage.cost === "number")
    parts.push(`${typeof usage.currency === "string" ? usage.currency : "USD"} ${usage.cost.toFixed(usage.cost < 1 ? 4 : 2)}`);
  return parts.join(" · ");
}

import type { AgentStreamState, HistoryEntry } from "./agent-state.ts";

/** A rough token count: four characters a token. Deterministic, provider-independent, good enough for a budget. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/** The text an entry contributes to the model's context. */
export function entryText(entry: HistoryEntry): string {
  switch (entry.kind) {
    case "assistant":
      return entry.text + entry.toolCalls.map((call) => `${call.name}(${call.arguments})`).join("\n");
    case "tool-result":
      return `${entry.name}: ${entry.output}`;
    default:
      return entry.text;
  }
}

/** Estimated tokens of what the next request would send: the system prompt, the history and the tools. */
export function estimateContextTokens(state: AgentStreamState): number {
  const tools = Object.values(state.tools).map((tool) => JSON.stringify(tool)).join("");
  return estimateTokens(state.config.systemPrompt + tools + state.history.map(entryText).join("\n"));
}

/**
 * Where compaction may cut the history: everything before the `keepInputs` most recent inputs (their turns
 * stay verbatim), cut where the offset strictly increases so `throughOffset` separates the two parts exactly.
 * `undefined` when there is nothing older to summarize.
 */
export function compactionCut(history: HistoryEntry[], keepInputs: number): { throughOffset: number; entries: HistoryEntry[] } | undefined {
  const inputs = history.flatMap((entry, index) => (entry.kind === "input" ? [index] : []));
  for (let i = inputs.length - keepInputs; i >= 0; i--) {
    const cut = inputs[i]!;
    if (cut === 0 || history[cut]!.offset <= history[cut - 1]!.offset) continue;
    const entries = history.slice(0, cut);
    if (entries.length === 1 && entries[0]!.kind === "summary") return undefined;
    return { throughOffset: entries.at(-1)!.offset, entries };
  }
  return undefined;
}

/** Whether the next request should first compact the history, and where to cut. */
export function compactionPlan(state: AgentStreamState) {
  const estimatedTokens = estimateContextTokens(state);
  if (estimatedTokens <= state.config.compactionBudgetTokens) return undefined;
  const cut = compactionCut(state.history, state.config.compactionKeepInputs);
  return cut ? { ...cut, estimatedTokens } : undefined;
}

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

/** Estimated tokens of the system prompt, the tools and these entries. */
function estimateOf(state: AgentStreamState, entries: HistoryEntry[]): number {
  const tools = Object.values(state.tools)
    .map((tool) => JSON.stringify(tool))
    .join("");
  return estimateTokens(state.config.systemPrompt + tools + entries.map(entryText).join("\n"));
}

/**
 * Tokens of what the next request would send: the system prompt, the tools, the history and the context
 * that joins it. Where the provider reported usage for the last answer, that count (input + output tokens)
 * stands for everything up to it and only what came after is estimated (four characters a token).
 */
export function estimateContextTokens(state: AgentStreamState): number {
  const entries = [...state.history, ...state.pendingContext];
  const usage = state.usage;
  if (!usage) return estimateOf(state, entries);
  return (
    usage.tokens +
    estimateTokens(
      entries
        .filter((entry) => entry.offset > usage.offset)
        .map(entryText)
        .join("\n"),
    )
  );
}

export interface CompactionCut {
  /** History entries up to this offset are summarized (except the inputs of the run in flight). */
  throughOffset: number;
  entries: HistoryEntry[];
}

/** Cuts only where the offset strictly increases, so `throughOffset` separates the two parts exactly. */
function cutAt(history: HistoryEntry[], index: number): CompactionCut | undefined {
  if (index <= 0 || index >= history.length || history[index]!.offset <= history[index - 1]!.offset) return undefined;
  const entries = history.slice(0, index);
  if (entries.length === 1 && entries[0]!.kind === "summary") return undefined;
  return { throughOffset: entries.at(-1)!.offset, entries };
}

/**
 * Where compaction may cut the history: everything before the `keepInputs` most recent inputs (their turns
 * stay verbatim). `undefined` when there is nothing older to summarize.
 */
export function compactionCut(history: HistoryEntry[], keepInputs: number): CompactionCut | undefined {
  const inputs = history.flatMap((entry, index) => (entry.kind === "input" ? [index] : []));
  for (let i = inputs.length - keepInputs; i >= 0; i--) {
    const cut = cutAt(history, inputs[i]!);
    if (cut) return cut;
  }
  return undefined;
}

/**
 * Cuts inside the run in flight, for a single input that grows past the budget by itself: its earlier
 * turns are summarized, its inputs and the turns after the cut stay verbatim. Cut points are the starts
 * of its turns (an assistant entry), so a tool call never loses its result; the latest turn is kept when
 * that fits the budget, else only the inputs are.
 */
function inRunCut(state: AgentStreamState): CompactionCut | undefined {
  const run = state.run;
  if (!run) return undefined;
  const { history } = state;
  const turnStarts = history.flatMap((entry, index) => (entry.kind === "assistant" && entry.offset > run.startOffset ? [index] : []));
  const candidates = [turnStarts.at(-1), history.length].filter((index): index is number => index !== undefined && index > 0);
  const keptInputs = history.filter((entry) => entry.kind === "input" && entry.offset >= run.startOffset);
  let fallback: CompactionCut | undefined;
  for (const index of candidates) {
    const cut = index === history.length ? lastCut(history) : cutAt(history, index);
    if (!cut || cut.throughOffset < run.startOffset) continue;
    const summarized = cut.entries.filter((entry) => !(entry.kind === "input" && entry.offset >= run.startOffset));
    if (summarized.length === 0 || (summarized.length === 1 && summarized[0]!.kind === "summary")) continue;
    if (estimateOf(state, [...keptInputs, ...history.slice(index)]) <= state.config.compactionBudgetTokens) return cut;
    fallback = cut;
  }
  return fallback;
}

/** Everything but the inputs of the run: the whole history is the part summarized. */
function lastCut(history: HistoryEntry[]): CompactionCut | undefined {
  if (history.length === 0) return undefined;
  return { throughOffset: history.at(-1)!.offset, entries: history };
}

/**
 * Whether the next request should first compact the history, and where to cut: when its size passes the
 * budget, or (`force`) after the provider refused the request as too long. Older inputs are summarized
 * first; when that is not enough (or there are none), the run's own earlier turns.
 */
export function compactionPlan(state: AgentStreamState, force = false) {
  const estimatedTokens = estimateContextTokens(state);
  if (!force && estimatedTokens <= state.config.compactionBudgetTokens) return undefined;
  const older = compactionCut(state.history, state.config.compactionKeepInputs);
  const keptAfterOlder = older ? state.history.filter((entry) => entry.offset > older.throughOffset) : undefined;
  if (older && keptAfterOlder && estimateOf(state, keptAfterOlder) <= state.config.compactionBudgetTokens && !force) return { ...older, estimatedTokens };
  const cut = inRunCut(state) ?? older;
  return cut ? { ...cut, estimatedTokens } : undefined;
}

import type { HistoryEntry } from "../agent-state.ts";
import type { Api, ToolCall, ToolCallDelta, ToolDefinition, Usage } from "../events.ts";

/** Everything one model request needs, provider-neutral. */
export interface ModelRequest {
  api: Api;
  model: string;
  systemPrompt: string;
  history: HistoryEntry[];
  tools: ToolDefinition[];
  temperature?: number;
}

/** One streamed chunk, normalized: the text and tool-call fragments it carries, and the provider's raw chunk. */
export interface ModelChunk {
  text?: string;
  toolCalls?: ToolCallDelta[];
  raw: unknown;
}

/** The whole answer of a request. */
export interface ModelOutput {
  text: string;
  toolCalls: ToolCall[];
  finishReason?: string;
  usage?: Usage;
}

/** Receives each chunk in order; the stream waits for it (so chunk events are stored in order). */
export type ChunkSink = (chunk: ModelChunk) => Promise<void>;

/** The text the model reads for a context or summary entry. */
export function contextMessage(entry: Extract<HistoryEntry, { kind: "context" | "summary" }>): string {
  if (entry.kind === "summary") return `Summary of the conversation so far:\n${entry.text}`;
  return `Context${entry.source ? ` from ${entry.source}` : ""}:\n${entry.text}`;
}

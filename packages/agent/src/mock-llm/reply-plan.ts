import type { MockReply } from "./mock-script.ts";

/** One streamed piece of a reply: assistant text, or a fragment of a tool call's JSON arguments. */
export type ReplyDelta = { kind: "text"; text: string } | { kind: "tool-arguments"; index: number; text: string };

export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A reply resolved into exactly what will be sent: ids, the full text, and the deltas in order. */
export interface ReplyPlan {
  id: string;
  model: string;
  created: number;
  text: string;
  toolCalls: PlannedToolCall[];
  deltas: ReplyDelta[];
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number; reasoningTokens: number };
}

/** Splits text into chunks of `size` characters, or into words (with their trailing space) by default. */
export function chunkText(text: string, size?: number): string[] {
  if (text === "") return [];
  if (size !== undefined) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    return chunks;
  }
  return text.match(/\s*\S+\s*|\s+/g) ?? [text];
}

/** A rough token count (four characters a token), enough for usage numbers and budgets in tests. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * Resolves a scripted reply for one request. `sequence` numbers the request so that ids are unique and
 * deterministic (`call_3_0` is the first tool call of the third request).
 */
export function planReply(reply: MockReply, options: { sequence: number; model: string; requestText: string; lastUser: string }): ReplyPlan {
  const text = (reply.text ?? "") + (reply.echo ? options.lastUser : "");
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_${options.sequence}_${index}`,
    name: call.name,
    arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
  }));
  const deltas: ReplyDelta[] = chunkText(text, reply.chunkSize).map((piece) => ({ kind: "text", text: piece }));
  toolCalls.forEach((call, index) => {
    for (const piece of chunkText(call.arguments, reply.chunkSize ?? 16)) deltas.push({ kind: "tool-arguments", index, text: piece });
    if (call.arguments === "") deltas.push({ kind: "tool-arguments", index, text: "" });
  });
  const outputText = text + toolCalls.map((call) => call.name + call.arguments).join("");
  return {
    id: String(options.sequence),
    model: options.model,
    created: Math.floor(Date.now() / 1000),
    text,
    toolCalls,
    deltas,
    usage: {
      inputTokens: estimateTokens(options.requestText),
      outputTokens: estimateTokens(outputText),
      cachedInputTokens: 0,
      reasoningTokens: 0,
      ...reply.usage,
    },
  };
}

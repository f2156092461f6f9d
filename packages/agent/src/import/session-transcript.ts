import type { Usage } from "../events.ts";

/**
 * Another harness's session, reduced to what Tributary's agent events can say: the conversation in order.
 * The Claude Code and pi readers produce it; `transcriptEvents` turns it into agent events.
 */
export interface SessionTranscript {
  source: "claude-code" | "pi";
  sessionId?: string;
  cwd?: string;
  /** Lines of the file that became no step (metadata, sidechains, thinking-only messages, …). */
  skipped: number;
  steps: TranscriptStep[];
}

export type TranscriptStep =
  | { kind: "user"; text: string; at?: string }
  | {
      kind: "assistant";
      text: string;
      toolCalls: { callId: string; name: string; input: unknown }[];
      model?: string;
      usage?: Usage;
      stopReason?: string;
      at?: string;
    }
  | { kind: "tool-result"; callId: string; name?: string; output: string; isError: boolean; at?: string }
  | { kind: "summary"; text: string; at?: string };

/** Each line of a JSONL file parsed; a line that is not JSON is reported with its number. */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${index + 1} is not JSON (${(error as Error).message}); a session file holds one JSON object a line.`);
    }
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) entries.push(parsed as Record<string, unknown>);
  });
  return entries;
}

export const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
export const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
export const asNumber = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0);

/** The text of a content value: a string, or the text blocks of a block array (other blocks as `[image]`, …). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => {
      const item = asRecord(block);
      if (item.type === "text") return asString(item.text) ?? "";
      if (item.type === "image") return "[image]";
      return "";
    })
    .filter((part) => part !== "")
    .join("\n");
}

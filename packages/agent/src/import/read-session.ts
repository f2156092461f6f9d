import { readClaudeCodeSession } from "./claude-code-session.ts";
import { readPiSession } from "./pi-session.ts";
import { parseJsonLines, type SessionTranscript } from "./session-transcript.ts";

export type SessionFormat = "claude-code" | "pi";

/**
 * Reads a session file of another harness: `format` when given, else recognised by its lines (a pi file
 * opens with a `{"type":"session"}` header; Claude Code's entries carry `sessionId` and `uuid`).
 *
 * @example
 * const transcript = readSession(readFileSync("session.jsonl", "utf8"));
 */
export function readSession(text: string, format?: SessionFormat): SessionTranscript {
  const entries = parseJsonLines(text);
  const detected = format ?? detectFormat(entries);
  return detected === "pi" ? readPiSession(entries) : readClaudeCodeSession(entries);
}

export function detectFormat(entries: Record<string, unknown>[]): SessionFormat {
  if (entries[0]?.type === "session") return "pi";
  if (entries.some((entry) => typeof entry.sessionId === "string" || typeof entry.uuid === "string" || entry.type === "user" || entry.type === "assistant"))
    return "claude-code";
  if (entries.some((entry) => entry.type === "message")) return "pi";
  throw new Error(
    'this is neither a Claude Code session (lines of type user/assistant) nor a pi session (a {"type":"session"} header); pass --format claude-code or --format pi.',
  );
}

import { asNumber, asRecord, asString, contentText, type SessionTranscript, type TranscriptStep } from "./session-transcript.ts";

/**
 * Reads a Claude Code session (`~/.claude/projects/<project>/<session>.jsonl`): one entry a line, `type`
 * `user` or `assistant` with an Anthropic Messages API `message`, plus metadata lines.
 *
 * 1. Entries are taken in file order; sidechains (sub-agent turns, `isSidechain`), meta entries
 *    (`isMeta`) and other types (`summary`, `system`, `file-history-snapshot`, …) are skipped.
 * 2. A user entry's text is an input; its `tool_result` blocks are tool results (text blocks joined).
 * 3. Consecutive assistant entries with the same `message.id` are one answer (Claude Code writes each
 *    content block of a streamed answer as its own line): `text` blocks joined, `tool_use` blocks as tool
 *    calls; `thinking` blocks are left out (signed provider state, not a message).
 * 4. Usage: `input_tokens + cache_creation_input_tokens + cache_read_input_tokens` in, the cache reads as
 *    cached, `output_tokens` out (the last entry of an answer carries the final count).
 */
export function readClaudeCodeSession(entries: Record<string, unknown>[]): SessionTranscript {
  const steps: TranscriptStep[] = [];
  let skipped = 0;
  let sessionId: string | undefined;
  let cwd: string | undefined;
  let lastMessageId: string | undefined;
  for (const entry of entries) {
    sessionId ??= asString(entry.sessionId);
    cwd ??= asString(entry.cwd);
    const message = asRecord(entry.message);
    const at = asString(entry.timestamp);
    if ((entry.type !== "user" && entry.type !== "assistant") || entry.isSidechain === true || entry.isMeta === true) {
      skipped++;
      continue;
    }
    if (entry.type === "user") {
      lastMessageId = undefined;
      const content = message.content;
      const blocks = Array.isArray(content) ? content.map(asRecord) : [];
      const results = blocks.filter((block) => block.type === "tool_result");
      for (const result of results) {
        steps.push({
          kind: "tool-result",
          callId: asString(result.tool_use_id) ?? "",
          output: contentText(result.content),
          isError: result.is_error === true,
          ...(at ? { at } : {}),
        });
      }
      const text = typeof content === "string" ? content : contentText(blocks.filter((block) => block.type !== "tool_result"));
      if (text !== "") steps.push({ kind: "user", text, ...(at ? { at } : {}) });
      else if (results.length === 0) skipped++;
      continue;
    }
    const id = asString(message.id);
    const blocks = Array.isArray(message.content) ? message.content.map(asRecord) : [];
    const text = contentText(blocks.filter((block) => block.type === "text"));
    const toolCalls = blocks
      .filter((block) => block.type === "tool_use")
      .map((block) => ({ callId: asString(block.id) ?? "", name: asString(block.name) ?? "tool", input: block.input ?? {} }));
    const previous = steps.at(-1);
    const usage = usageOf(asRecord(message.usage));
    if (id !== undefined && id === lastMessageId && previous?.kind === "assistant") {
      previous.text = [previous.text, text].filter((part) => part !== "").join("\n");
      previous.toolCalls.push(...toolCalls);
      if (usage) previous.usage = usage;
      if (asString(message.stop_reason)) previous.stopReason = asString(message.stop_reason);
      continue;
    }
    lastMessageId = id;
    if (text === "" && toolCalls.length === 0 && blocks.length > 0 && id === undefined) {
      skipped++;
      continue;
    }
    const model = asString(message.model);
    const stopReason = asString(message.stop_reason);
    steps.push({
      kind: "assistant",
      text,
      toolCalls,
      ...(model ? { model } : {}),
      ...(usage ? { usage } : {}),
      ...(stopReason ? { stopReason } : {}),
      ...(at ? { at } : {}),
    });
  }
  return { source: "claude-code", ...(sessionId ? { sessionId } : {}), ...(cwd ? { cwd } : {}), skipped, steps };
}

function usageOf(usage: Record<string, unknown>) {
  if (Object.keys(usage).length === 0) return undefined;
  const cached = asNumber(usage.cache_read_input_tokens);
  const inputTokens = asNumber(usage.input_tokens) + asNumber(usage.cache_creation_input_tokens) + cached;
  return { inputTokens, outputTokens: asNumber(usage.output_tokens), ...(cached > 0 ? { cachedInputTokens: cached } : {}) };
}

import { asNumber, asRecord, asString, contentText, type SessionTranscript, type TranscriptStep } from "./session-transcript.ts";

/**
 * Reads a pi session (`~/.pi/agent/sessions/--<cwd>--/<time>_<uuid>.jsonl`): a `session` header line,
 * then entries linked into a tree by `id`/`parentId` (branches live in one file).
 *
 * 1. The branch that ends at the file's last entry is imported (the session's current leaf), walked back to
 *    the root by `parentId`; a version 1 file without ids is read in file order.
 * 2. `message` entries: `user` → an input; `assistant` → an answer (`text` blocks joined, `toolCall`
 *    blocks as tool calls, `thinking` left out); `toolResult` → a tool result; `compactionSummary` and
 *    `branchSummary` → a summary. `compaction` entries → a summary too. Everything else (model and
 *    thinking-level changes, labels, custom entries, `bashExecution`) is skipped.
 * 3. Usage: `input + cacheRead + cacheWrite` in, `cacheRead` cached, `output` out.
 */
export function readPiSession(entries: Record<string, unknown>[]): SessionTranscript {
  const header = entries.find((entry) => entry.type === "session");
  const body = entries.filter((entry) => entry !== header);
  const branch = currentBranch(body);
  const steps: TranscriptStep[] = [];
  let skipped = entries.length - branch.length - (header ? 1 : 0);
  for (const entry of branch) {
    const at = asString(entry.timestamp);
    const when = at ? { at } : {};
    if (entry.type === "compaction" || entry.type === "branch_summary") {
      steps.push({ kind: "summary", text: asString(entry.summary) ?? "", ...when });
      continue;
    }
    const message = asRecord(entry.message);
    if (entry.type !== "message") {
      skipped++;
      continue;
    }
    switch (message.role) {
      case "user": {
        const text = contentText(message.content);
        if (text === "") skipped++;
        else steps.push({ kind: "user", text, ...when });
        break;
      }
      case "assistant": {
        const blocks = Array.isArray(message.content) ? message.content.map(asRecord) : [];
        const toolCalls = blocks
          .filter((block) => block.type === "toolCall")
          .map((block) => ({ callId: asString(block.id) ?? "", name: asString(block.name) ?? "tool", input: block.arguments ?? {} }));
        const usage = asRecord(message.usage);
        const cached = asNumber(usage.cacheRead);
        const model = asString(message.model);
        const stopReason = asString(message.stopReason);
        steps.push({
          kind: "assistant",
          text: contentText(blocks.filter((block) => block.type === "text")),
          toolCalls,
          ...(model ? { model } : {}),
          ...(Object.keys(usage).length > 0
            ? {
                usage: {
                  inputTokens: asNumber(usage.input) + cached + asNumber(usage.cacheWrite),
                  outputTokens: asNumber(usage.output),
                  ...(cached > 0 ? { cachedInputTokens: cached } : {}),
                },
              }
            : {}),
          ...(stopReason ? { stopReason } : {}),
          ...when,
        });
        break;
      }
      case "toolResult":
        steps.push({
          kind: "tool-result",
          callId: asString(message.toolCallId) ?? "",
          name: asString(message.toolName),
          output: contentText(message.content),
          isError: message.isError === true,
          ...when,
        });
        break;
      case "compactionSummary":
      case "branchSummary":
        steps.push({ kind: "summary", text: asString(message.summary) ?? "", ...when });
        break;
      default:
        skipped++;
    }
  }
  return {
    source: "pi",
    ...(asString(header?.id) ? { sessionId: asString(header?.id) } : {}),
    ...(asString(header?.cwd) ? { cwd: asString(header?.cwd) } : {}),
    skipped,
    steps,
  };
}

function currentBranch(entries: Record<string, unknown>[]): Record<string, unknown>[] {
  const leaf = entries.at(-1);
  if (!leaf || typeof leaf.id !== "string") return entries;
  const byId = new Map(entries.filter((entry) => typeof entry.id === "string").map((entry) => [entry.id as string, entry]));
  const branch: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (let entry: Record<string, unknown> | undefined = leaf; entry && !seen.has(entry.id as string); entry = byId.get(entry.parentId as string)) {
    seen.add(entry.id as string);
    branch.unshift(entry);
  }
  return branch;
}

import type { EventInput } from "@tributary/protocol";
import type { UsageTotals } from "../events.ts";
import { addUsage, emptyTotals } from "../usage-totals.ts";
import type { SessionTranscript } from "./session-transcript.ts";

/** How the imported session's file is named in `agent-session-imported`. */
export interface TranscriptOrigin {
  file?: string;
}

/**
 * Turns an imported session into the agent events a Tributary agent would have written for it, for a new
 * stream (offsets from 1: each event carries its offset as a precondition, so appending them to a stream
 * that is not empty fails instead of mixing two histories). The mapping (docs/agent.md, "Importing a
 * session"):
 *
 * 1. `agent-session-imported {source, sessionId, cwd, file, steps, skipped}` first.
 * 2. A user message → `agent-input-added`; it starts a run. The run before it ends first.
 * 3. An assistant message → `agent-request-started` (`model` as recorded, `api: chat`, no tools) and
 *    `agent-output-completed` (text, tool calls with their arguments as JSON, usage), then one
 *    `agent-tool-call-requested` per tool call.
 * 4. A tool result → `agent-tool-call-completed`; the results of a turn lead to the next turn.
 * 5. A summary (a compaction) → `agent-history-compacted` through the offset before it.
 * 6. A run ends with `agent-run-ended`: `answered` when its last answer called no tool; otherwise the calls
 *    still open get error results and it ends `interrupted`. The run's usage is summed as the agent does.
 * 7. When a run has more turns than the agent's default limit (20), `agent-settings-changed {maxTurns}`
 *    (up to 1000) comes first, so the agent's reduce follows every turn.
 * 8. Each event's `metadata.importedAt` is the original entry's time, when the file has one.
 *
 * @example
 * const events = transcriptEvents(readClaudeCodeSession(parseJsonLines(text)), { file: "session.jsonl" });
 */
export function transcriptEvents(transcript: SessionTranscript, origin: TranscriptOrigin = {}): EventInput[] {
  const events: EventInput[] = [];
  const emit = (type: string, payload: Record<string, unknown>, at?: string): number => {
    const offset = events.length + 1;
    events.push({ type, payload, offset, ...(at ? { metadata: { importedAt: at } } : {}) });
    return offset;
  };
  emit("agent-session-imported", {
    source: transcript.source,
    ...(transcript.sessionId ? { sessionId: transcript.sessionId } : {}),
    ...(transcript.cwd ? { cwd: transcript.cwd } : {}),
    ...(origin.file ? { file: origin.file } : {}),
    steps: transcript.steps.length,
    skipped: transcript.skipped,
  });
  const maxTurns = mostTurnsOfARun(transcript);
  if (maxTurns > 20) emit("agent-settings-changed", { maxTurns: Math.min(1000, maxTurns) });

  let run: { inputOffset: number; turn: number; requests: number; open: Map<string, string>; answered?: string; totals: UsageTotals } | undefined;
  const endRun = (at?: string) => {
    if (!run) return;
    for (const [callId, name] of run.open) emit("agent-tool-call-completed", { callId, name, output: "no result in the imported session", isError: true }, at);
    const answered = run.answered !== undefined && run.open.size === 0;
    const usage = run.totals.requests > 0 ? { usage: run.totals } : {};
    emit(
      "agent-run-ended",
      {
        inputOffset: run.inputOffset,
        outcome: answered ? "answered" : "interrupted",
        text: answered ? run.answered : "the imported session ended here",
        turns: run.requests,
        ...usage,
      },
      at,
    );
    run = undefined;
  };
  const startRun = (text: string, at?: string) => {
    endRun(at);
    const inputOffset = emit("agent-input-added", { content: text }, at);
    run = { inputOffset, turn: 1, requests: 0, open: new Map(), totals: emptyTotals };
  };

  for (const step of transcript.steps) {
    switch (step.kind) {
      case "user":
        startRun(step.text, step.at);
        break;
      case "summary":
        if (step.text !== "" && events.length > 0) emit("agent-history-compacted", { summary: step.text, throughOffset: events.length }, step.at);
        break;
      case "tool-result": {
        const name = run?.open.get(step.callId);
        if (!run || name === undefined) break; // a result for no open call (its call was cut off): nothing to answer
        run.open.delete(step.callId);
        emit("agent-tool-call-completed", { callId: step.callId, name, output: step.output, isError: step.isError }, step.at);
        if (run.open.size === 0) run.turn++;
        break;
      }
      case "assistant": {
        if (!run) startRun("(the imported session starts with an answer)", step.at);
        const current = run!;
        // An answer while calls are still open: they never got a result in the file.
        if (current.open.size > 0) {
          for (const [callId, name] of current.open)
            emit("agent-tool-call-completed", { callId, name, output: "no result in the imported session", isError: true }, step.at);
          current.open.clear();
          current.turn++;
        }
        const requestId = `${current.inputOffset}.${current.turn}`;
        current.requests++;
        emit(
          "agent-request-started",
          { requestId, inputOffset: current.inputOffset, turn: current.turn, model: step.model ?? "imported", api: "chat", tools: [] },
          step.at,
        );
        const toolCalls = step.toolCalls.map((call, index) => ({
          callId: call.callId || `imported_${events.length}_${index}`,
          name: call.name,
          arguments: JSON.stringify(call.input ?? {}),
        }));
        const finishReason = toolCalls.length > 0 ? "tool_calls" : "stop";
        emit("agent-output-completed", { requestId, text: step.text, toolCalls, finishReason, ...(step.usage ? { usage: step.usage } : {}) }, step.at);
        if (step.usage) current.totals = addUsage(current.totals, step.usage, undefined, undefined);
        for (const call of toolCalls) {
          emit(
            "agent-tool-call-requested",
            { callId: call.callId, requestId, name: call.name, arguments: call.arguments, input: JSON.parse(call.arguments) as unknown },
            step.at,
          );
          current.open.set(call.callId, call.name);
        }
        current.answered = toolCalls.length === 0 ? step.text : undefined;
        break;
      }
    }
  }
  endRun();
  return events;
}

function mostTurnsOfARun(transcript: SessionTranscript): number {
  let most = 0;
  let turns = 0;
  for (const step of transcript.steps) {
    if (step.kind === "user") turns = 0;
    if (step.kind === "assistant") most = Math.max(most, ++turns);
  }
  return most;
}

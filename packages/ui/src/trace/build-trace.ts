import type { StoredEvent } from "@tributary/protocol";
import { record, text } from "../feed/feed-kind.ts";

/** A message of a request as the events let us rebuild it (the agent's own history, in order). */
export interface TraceMessage {
  role: string;
  content: string;
}

export interface TraceToolCall {
  callId: string;
  name: string;
  arguments: string;
  offset: number;
  requestedAt: number;
  completedAt?: number;
  durationMs?: number;
  output?: string;
  isError: boolean;
}

/** One LLM call: from `agent-request-started` to its completion, failure or cancellation. */
export interface TraceRequest {
  requestId: string;
  turn: number;
  model: string;
  api: string;
  offset: number;
  startedAt: number;
  /** Milliseconds from the start to the first streamed chunk. */
  ttftMs?: number;
  durationMs?: number;
  status: "running" | "done" | "failed" | "cancelled";
  reason: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReason: string;
  text: string;
  tools: { name: string; description: string }[];
  messages: TraceMessage[];
  toolCalls: TraceToolCall[];
}

/** One run: an input and the requests and tool calls made to answer it. */
export interface TraceRun {
  inputOffset: number;
  input: string;
  startedAt: number;
  durationMs?: number;
  outcome: string;
  requests: TraceRequest[];
}

const time = (event: StoredEvent) => Date.parse(event.createdAt);
const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

/**
 * The agent's runs as a trace (packages/agent/src/events.ts is the vocabulary): each run groups its
 * requests; each request is a span with its start, time to first token (first `agent-output-chunk-received`),
 * duration, tokens and model, the tools offered and the messages sent, rebuilt from the events before it;
 * tool calls nest under the request that asked for them, with their durations. Times are the events'
 * `createdAt` (the server's commit time, in milliseconds). Pure; odd payloads are skipped, never thrown on.
 *
 * @example
 * buildTrace(events).map((run) => run.requests.map((request) => request.ttftMs));
 */
export function buildTrace(events: readonly StoredEvent[]): TraceRun[] {
  const runs = new Map<number, TraceRun>();
  const requests = new Map<string, TraceRequest>();
  const calls = new Map<string, TraceToolCall>();
  const tools = new Map<string, string>();
  const inputs = new Map<number, { content: string; at: number }>();
  let systemPrompt = "";
  let history: TraceMessage[] = [];

  for (const event of events) {
    const payload = record(event.payload);
    const at = time(event);
    switch (event.type) {
      case "agent-system-prompt-changed":
        systemPrompt = text(payload.systemPrompt);
        break;
      case "agent-tool-announced":
        tools.set(text(payload.name), text(payload.description));
        break;
      case "agent-tool-withdrawn":
        tools.delete(text(payload.name));
        break;
      case "agent-input-added":
        inputs.set(event.offset, { content: text(payload.content), at });
        history.push({ role: text(payload.role) || "user", content: text(payload.content) });
        break;
      case "agent-context-added":
        history.push({ role: `context${text(payload.source) ? ` (${text(payload.source)})` : ""}`, content: text(payload.content) });
        break;
      case "agent-history-compacted":
        history = [{ role: "summary", content: text(payload.summary) }];
        break;
      case "agent-request-started": {
        const inputOffset = number(payload.inputOffset) ?? 0;
        let run = runs.get(inputOffset);
        if (!run) {
          const input = inputs.get(inputOffset);
          run = { inputOffset, input: input?.content ?? "", startedAt: input?.at ?? at, outcome: "running", requests: [] };
          runs.set(inputOffset, run);
        }
        const offered = Array.isArray(payload.tools) ? payload.tools.filter((name): name is string => typeof name === "string") : [];
        const request: TraceRequest = {
          requestId: text(payload.requestId),
          turn: number(payload.turn) ?? run.requests.length + 1,
          model: text(payload.model),
          api: text(payload.api),
          offset: event.offset,
          startedAt: at,
          status: "running",
          reason: "",
          finishReason: "",
          text: "",
          tools: offered.map((name) => ({ name, description: tools.get(name) ?? "" })),
          messages: [...(systemPrompt ? [{ role: "system", content: systemPrompt }] : []), ...history],
          toolCalls: [],
        };
        requests.set(request.requestId, request);
        run.requests.push(request);
        break;
      }
      case "agent-output-chunk-received": {
        const request = requests.get(text(payload.requestId));
        if (request && request.ttftMs === undefined) request.ttftMs = at - request.startedAt;
        break;
      }
      case "agent-output-completed": {
        const request = requests.get(text(payload.requestId));
        const usage = record(payload.usage);
        const called = Array.isArray(payload.toolCalls) ? payload.toolCalls.map(record).map((call) => `${text(call.name)}(${text(call.arguments)})`) : [];
        history.push({ role: "assistant", content: [text(payload.text), ...called.map((call) => `→ ${call}`)].filter(Boolean).join("\n") });
        if (!request) break;
        Object.assign(request, {
          status: "done",
          durationMs: at - request.startedAt,
          text: text(payload.text),
          finishReason: text(payload.finishReason),
          inputTokens: number(usage.inputTokens),
          outputTokens: number(usage.outputTokens),
        });
        break;
      }
      case "agent-request-failed":
      case "agent-request-cancelled": {
        const request = requests.get(text(payload.requestId));
        if (!request) break;
        request.status = event.type === "agent-request-failed" ? "failed" : "cancelled";
        request.durationMs = at - request.startedAt;
        request.reason = text(payload.message) || text(payload.reason);
        break;
      }
      case "agent-tool-call-requested": {
        const call: TraceToolCall = {
          callId: text(payload.callId),
          name: text(payload.name),
          arguments: text(payload.arguments),
          offset: event.offset,
          requestedAt: at,
          isError: false,
        };
        calls.set(call.callId, call);
        requests.get(text(payload.requestId))?.toolCalls.push(call);
        break;
      }
      case "agent-tool-call-completed": {
        const call = calls.get(text(payload.callId));
        history.push({ role: `tool ${text(payload.name)}`, content: text(payload.output) });
        if (!call || call.completedAt !== undefined) break;
        call.completedAt = at;
        call.durationMs = at - call.requestedAt;
        call.output = text(payload.output);
        call.isError = payload.isError === true;
        break;
      }
      case "agent-run-ended": {
        const run = runs.get(number(payload.inputOffset) ?? -1);
        if (!run) break;
        run.outcome = text(payload.outcome) || "ended";
        run.durationMs = at - run.startedAt;
        break;
      }
    }
  }
  return [...runs.values()];
}

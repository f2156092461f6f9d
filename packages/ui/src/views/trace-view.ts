import { h } from "../dom.ts";
import type { TraceRequest, TraceRun, TraceToolCall } from "../trace/build-trace.ts";

/** "840 ms", "1.2 s", "—" when unknown. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * The trace of an agent stream: one section per run, each LLM call a span (start, time to first token,
 * duration, tokens, model; the messages and tools it was sent on demand) on a bar scaled to the run,
 * tool calls nested under their request with their durations. Each span links to its first event.
 *
 * @example
 * parent.append(traceView(buildTrace(events), (offset) => `#/me/agent@${offset}`));
 */
export function traceView(runs: readonly TraceRun[], eventHref: (offset: number) => string): HTMLElement {
  if (runs.length === 0) {
    return h("p", { class: "list-empty muted" }, "No agent runs in this stream. A run starts with agent-input-added and agent-request-started.");
  }
  // The newest runs first, at most 200: a trace is read from what just happened.
  const shown = runs.slice(-200).reverse();
  return h(
    "div",
    { class: "trace" },
    shown.map((run) => runSection(run, eventHref)),
  );
}

function runSection(run: TraceRun, eventHref: (offset: number) => string): HTMLElement {
  const end = Math.max(run.startedAt + (run.durationMs ?? 0), ...run.requests.map((request) => request.startedAt + (request.durationMs ?? 0)));
  const total = Math.max(1, end - run.startedAt);
  const tokens = run.requests.reduce((sum, request) => sum + (request.inputTokens ?? 0) + (request.outputTokens ?? 0), 0);
  return h(
    "section",
    { class: "trace-run", dataset: { inputOffset: String(run.inputOffset), outcome: run.outcome }, "aria-label": `Run of input ${run.inputOffset}` },
    h(
      "header",
      { class: "trace-run-head" },
      h("a", { class: "offset", href: eventHref(run.inputOffset) }, `#${run.inputOffset}`),
      h("span", { class: "trace-input" }, run.input || "(input not found)"),
      h("span", { class: `trace-outcome outcome-${run.outcome}` }, run.outcome),
      h(
        "span",
        { class: "muted" },
        `${run.requests.length} call${run.requests.length === 1 ? "" : "s"} · ${formatMs(run.durationMs)}${tokens ? ` · ${tokens.toLocaleString()} tokens` : ""}`,
      ),
    ),
    h(
      "ol",
      { class: "trace-spans" },
      run.requests.map((request) => requestSpan(request, run.startedAt, total, eventHref)),
    ),
  );
}

function bar(className: string, start: number, length: number, total: number): HTMLElement {
  const element = h("div", { class: className });
  // CSSOM, not a style attribute: the UI runs under a CSP without inline styles.
  element.style.setProperty("--left", `${Math.min(100, (start / total) * 100)}%`);
  element.style.setProperty("--width", `${Math.max(0.5, Math.min(100, (length / total) * 100))}%`);
  return element;
}

function requestSpan(request: TraceRequest, runStart: number, total: number, eventHref: (offset: number) => string): HTMLElement {
  const start = request.startedAt - runStart;
  const tokens = request.inputTokens === undefined ? "—" : `${request.inputTokens} in → ${request.outputTokens ?? 0} out`;
  return h(
    "li",
    { class: `trace-span status-${request.status}`, dataset: { requestId: request.requestId } },
    h(
      "div",
      { class: "span-head" },
      h("a", { class: "offset", href: eventHref(request.offset) }, `#${request.offset}`),
      h("strong", { class: "span-model" }, request.model || "model"),
      h("span", { class: "muted" }, `turn ${request.turn}`),
      h(
        "dl",
        { class: "span-facts" },
        h("dt", null, "start"),
        h("dd", { class: "span-start" }, `+${formatMs(start)}`),
        h("dt", null, "first token"),
        h("dd", { class: "span-ttft" }, formatMs(request.ttftMs)),
        h("dt", null, "duration"),
        h("dd", { class: "span-duration" }, request.status === "running" ? "running" : formatMs(request.durationMs)),
        h("dt", null, "tokens"),
        h("dd", { class: "span-tokens" }, tokens),
      ),
      request.status === "failed" || request.status === "cancelled"
        ? h("span", { class: "span-reason error-message" }, `${request.status}: ${request.reason}`)
        : null,
    ),
    h(
      "div",
      { class: "span-track" },
      bar("span-bar", start, request.durationMs ?? 0, total),
      request.ttftMs !== undefined ? bar("span-ttft-bar", start, request.ttftMs, total) : null,
    ),
    h(
      "details",
      { class: "span-request" },
      h(
        "summary",
        null,
        `Request: ${request.messages.length} message${request.messages.length === 1 ? "" : "s"}, ${request.tools.length} tool${request.tools.length === 1 ? "" : "s"}`,
      ),
      h(
        "ol",
        { class: "span-messages" },
        request.messages.map((message) =>
          h("li", { class: "span-message" }, h("span", { class: "message-role" }, message.role), h("pre", { class: "message-content" }, message.content)),
        ),
      ),
      request.tools.length > 0
        ? h(
            "ul",
            { class: "span-tools" },
            request.tools.map((tool) => h("li", null, h("code", null, tool.name), tool.description ? ` — ${tool.description}` : "")),
          )
        : null,
    ),
    request.toolCalls.length > 0
      ? h(
          "ol",
          { class: "trace-tool-calls" },
          request.toolCalls.map((call) => toolCallRow(call, runStart, total, eventHref)),
        )
      : null,
  );
}

function toolCallRow(call: TraceToolCall, runStart: number, total: number, eventHref: (offset: number) => string): HTMLElement {
  const status = call.completedAt === undefined ? "running" : call.isError ? "failed" : "ok";
  return h(
    "li",
    { class: `trace-tool-call status-${status}`, dataset: { callId: call.callId } },
    h(
      "div",
      { class: "span-head" },
      h("a", { class: "offset", href: eventHref(call.offset) }, `#${call.offset}`),
      h("code", { class: "tool-chip" }, `${call.name}(${call.arguments.length > 80 ? `${call.arguments.slice(0, 79)}…` : call.arguments})`),
      h("span", { class: "tool-duration" }, status === "running" ? "running" : formatMs(call.durationMs)),
      h("span", { class: `tool-status ${status}` }, status),
    ),
    h("div", { class: "span-track" }, bar("span-bar tool", call.requestedAt - runStart, call.durationMs ?? 0, total)),
    call.output !== undefined
      ? h("details", { class: "tool-output" }, h("summary", null, "Output"), h("pre", { class: "code" }, call.output.slice(0, 20_000)))
      : null,
  );
}

import type { z } from "zod";
import * as s from "./events.ts";

const table = [
  {
    type: "agent-input-added",
    schema: s.inputAddedSchema,
    appendedBy: "you",
    title: "Input added",
    description:
      "A message for the agent. Starts a run (one or more model requests) when the agent is idle; otherwise it interrupts the run in flight or waits behind it, by policy.",
    example: { content: "What is in README.md?" },
  },
  {
    type: "agent-model-changed",
    schema: s.modelChangedSchema,
    appendedBy: "you",
    title: "Model changed",
    description: "Sets the model for later requests.",
    example: { model: "gpt-4o-mini" },
  },
  {
    type: "agent-system-prompt-changed",
    schema: s.systemPromptChangedSchema,
    appendedBy: "you",
    title: "System prompt changed",
    description: "Sets the system prompt (Chat Completions: a system message; Responses: `instructions`).",
    example: { systemPrompt: "You are a careful coding agent." },
  },
  {
    type: "agent-provider-changed",
    schema: s.providerChangedSchema,
    appendedBy: "you",
    title: "Provider changed",
    description:
      "Sets the OpenAI-compatible base URL and/or the wire API (chat or responses). The API key never goes into an event: it comes from the agent's environment.",
    example: { baseUrl: "http://localhost:11434/v1", api: "chat" },
  },
  {
    type: "agent-settings-changed",
    schema: s.settingsChangedSchema,
    appendedBy: "you",
    title: "Settings changed",
    description: "Sets the context window wait, the turn limit, the interrupt policy, compaction and temperature. Fields left out keep their value.",
    example: { contextWindowMs: 200, maxTurns: 20, interruptPolicy: "interrupt" },
  },
  {
    type: "agent-session-imported",
    schema: s.sessionImportedSchema,
    appendedBy: "you",
    title: "Session imported",
    description:
      'The first event of a stream made by `tributary import` from another harness\'s session file (Claude Code or pi). The events after it are the session as agent events (docs/agent.md, "Importing a session"), so it can be read, forked and continued here.',
    example: { source: "claude-code", sessionId: "4f1c…", cwd: "/home/me/project", file: "session.jsonl", steps: 42, skipped: 7 },
  },
  {
    type: "agent-prices-configured",
    schema: s.pricesConfiguredSchema,
    appendedBy: "you",
    title: "Prices configured",
    description:
      "Sets the price table the agent costs its model requests with: per model (or `*` for any other), the price of a million input, cached input and output tokens. Requests completed after it are costed in `agent-run-ended.usage.cost` and the stream's totals; earlier ones keep the cost (or none) they had.",
    example: { currency: "USD", models: { "gpt-4o-mini": { inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 } } },
  },
  {
    type: "agent-run-stop-requested",
    schema: s.runStopRequestedSchema,
    appendedBy: "anyone",
    title: "Run stop requested",
    description:
      "Stops the run in flight without a new input (Ctrl-C in `tributary chat`): its request is cancelled, open tool calls get error results (running tools and sub-agents are stopped), and the run ends `stopped`. Queued inputs run afterwards.",
    example: { reason: "stopped from the chat" },
  },
  {
    type: "agent-input-steered",
    schema: s.inputSteeredSchema,
    appendedBy: "agent",
    title: "Input steered",
    description:
      "An input with the steer policy arrived during a run: it joins that run's history at the next turn boundary (after the tool results of the current turn), and the run goes on with it. If the run ends first, it starts the next run.",
    example: { inputOffset: 9, runInputOffset: 4 },
  },
  {
    type: "agent-input-queued",
    schema: s.inputQueuedSchema,
    appendedBy: "agent",
    title: "Input queued",
    description: "An input arrived during a run under the queue policy; it runs when the current run ends.",
    example: { inputOffset: 9, behindInputOffset: 4 },
  },
  {
    type: "agent-context-window-opened",
    schema: s.contextWindowOpenedSchema,
    appendedBy: "agent",
    title: "Context window opened",
    description:
      "The agent is about to call the model and waits `windowMs` for `agent-context-added` events from other processors (RAG, memory, safety checks). It proceeds whether or not they arrive.",
    example: { requestId: "4.1", inputOffset: 4, turn: 1, windowMs: 200 },
  },
  {
    type: "agent-context-added",
    schema: s.contextAddedSchema,
    appendedBy: "anyone",
    title: "Context added",
    description:
      "Extra context for the model, added by any processor. It is part of the next request that starts after it (a late one waits for the next request).",
    example: { content: "The user's timezone is Europe/Berlin.", source: "memory" },
  },
  {
    type: "agent-request-started",
    schema: s.requestStartedSchema,
    appendedBy: "agent",
    title: "Request started",
    description: "The agent called the model with the history, the context added so far and the announced tools.",
    example: { requestId: "4.1", inputOffset: 4, turn: 1, model: "gpt-4o-mini", api: "chat", tools: ["shell"] },
  },
  {
    type: "agent-request-retried",
    schema: s.requestRetriedSchema,
    appendedBy: "agent",
    title: "Request retried",
    description:
      "An attempt of the request failed before its first token (a timeout, a lost connection, 408, 409, 429 or 5xx) and the agent tries again after `delayMs`. Up to `maxRetries` times; then `agent-request-failed`.",
    example: { requestId: "4.1", attempt: 2, delayMs: 1000, error: "no response headers within 30000 ms (connectTimeoutMs)" },
  },
  {
    type: "agent-output-chunk-received",
    schema: s.outputChunkReceivedSchema,
    appendedBy: "agent",
    title: "Output chunk received",
    description: "One streamed chunk from the model, as the provider sent it (`raw`), with the text or tool-call fragment it carries.",
    example: { requestId: "4.1", index: 0, text: "Hello", raw: { choices: [{ delta: { content: "Hello" } }] } },
  },
  {
    type: "agent-output-completed",
    schema: s.outputCompletedSchema,
    appendedBy: "agent",
    title: "Output completed",
    description: "The model's whole answer to a request: its text and tool calls. Tool calls continue the run; an answer without them ends it.",
    example: { requestId: "4.1", text: "", toolCalls: [{ callId: "call_1", name: "shell", arguments: '{"command":"ls"}' }], finishReason: "tool_calls" },
  },
  {
    type: "agent-request-failed",
    schema: s.requestFailedSchema,
    appendedBy: "agent",
    title: "Request failed",
    description: "The model request failed (HTTP error, broken stream). The run ends as failed.",
    example: { requestId: "4.1", message: "429 Rate limit reached", status: 429 },
  },
  {
    type: "agent-request-cancelled",
    schema: s.requestCancelledSchema,
    appendedBy: "agent",
    title: "Request cancelled",
    description: "The request was stopped: a new input interrupted it, the agent stopped, or the agent restarted while it was in flight.",
    example: { requestId: "4.1", reason: "interrupted by the input at offset 9", byOffset: 9 },
  },
  {
    type: "agent-tool-announced",
    schema: s.toolAnnouncedSchema,
    appendedBy: "tool",
    title: "Tool announced",
    description:
      "A tool processor offers a tool: its name, description and the JSON schema of its arguments. The agent offers every announced tool to the model.",
    example: {
      name: "shell",
      description: "Run a bash command.",
      parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    },
  },
  {
    type: "agent-tool-withdrawn",
    schema: s.toolWithdrawnSchema,
    appendedBy: "tool",
    title: "Tool withdrawn",
    description: "The tool is no longer offered: its processor stopped, or the agent found it gone (a call it did not acknowledge in time).",
    example: { name: "shell" },
  },
  {
    type: "agent-tool-call-started",
    schema: s.toolCallStartedSchema,
    appendedBy: "tool",
    title: "Tool call started",
    description:
      "A tool's process took the call (tools announced with `acknowledges: true` send it at once). Proof of life: a call such a tool does not acknowledge within `toolAckTimeoutMs` is ended with an error and the tool withdrawn.",
    example: { callId: "call_1", name: "shell" },
  },
  {
    type: "agent-subagent-refused",
    schema: s.subagentRefusedSchema,
    appendedBy: "tool",
    title: "Sub-agent refused",
    description: "A `subagent` call would nest deeper than `maxSubagentDepth`; it is answered with an error result instead of starting a sub-agent.",
    example: { callId: "call_7", depth: 4, maxDepth: 3 },
  },
  {
    type: "agent-tool-call-requested",
    schema: s.toolCallRequestedSchema,
    appendedBy: "agent",
    title: "Tool call requested",
    description: "The model called a tool. The tool's processor answers with `agent-tool-call-completed`.",
    example: { callId: "call_1", requestId: "4.1", name: "shell", arguments: '{"command":"ls"}', input: { command: "ls" } },
  },
  {
    type: "agent-tool-policy-changed",
    schema: s.toolPolicyChangedSchema,
    appendedBy: "you",
    title: "Tool policy changed",
    description:
      "Sets which tool calls run (`allow`), wait for an answer (`ask`: the agent appends `agent-tool-call-approval-requested`) or are refused (`deny`: the model is told), per tool and a default. A plugin can set policies and answer the requests itself.",
    example: { default: "allow", tools: { shell: "ask", write_file: "deny" } },
  },
  {
    type: "agent-tool-call-approval-requested",
    schema: s.toolCallApprovalRequestedSchema,
    appendedBy: "agent",
    title: "Tool call approval requested",
    description:
      "The model called a tool whose policy is `ask`: the call waits for `agent-tool-call-approved` or `agent-tool-call-denied` (from the UI, `tributary chat`, a plugin, `curl`); `timeoutMs` after this event's `createdAt` the agent denies it (a restarted agent keeps waiting for the same request, with the same deadline).",
    example: {
      callId: "call_1",
      requestId: "4.1",
      name: "shell",
      arguments: '{"command":"rm -rf build"}',
      input: { command: "rm -rf build" },
      timeoutMs: 600000,
    },
  },
  {
    type: "agent-tool-call-approved",
    schema: s.toolCallApprovedSchema,
    appendedBy: "anyone",
    title: "Tool call approved",
    description: "Lets a call that waits for approval run: the agent dispatches it (`agent-tool-call-requested`). The first answer for a call counts.",
    example: { callId: "call_1", by: "ui" },
  },
  {
    type: "agent-tool-call-denied",
    schema: s.toolCallDeniedSchema,
    appendedBy: "anyone",
    title: "Tool call denied",
    description:
      "Refuses a call: it does not run, and the agent closes it with an error result that gives the reason, so the model knows. Appended by a person or plugin answering an approval request, or by the agent for the `deny` policy and for a request nobody answered in time.",
    example: { callId: "call_1", reason: "do not delete the build directory", by: "ui" },
  },
  {
    type: "agent-tool-call-completed",
    schema: s.toolCallCompletedSchema,
    appendedBy: "tool",
    title: "Tool call completed",
    description:
      "A tool's result for a call. The first result for a call id counts; the agent continues once every call of a turn has one. The agent appends it itself (isError) to close a call that was cancelled, unknown, or left open by a restart.",
    example: { callId: "call_1", name: "shell", output: "exit code 0\nREADME.md\n" },
  },
  {
    type: "agent-mcp-servers-configured",
    schema: s.mcpServersConfiguredSchema,
    appendedBy: "you",
    title: "MCP servers configured",
    description:
      "Sets the MCP servers whose tools the agent on this stream is offered (replacing the list before; [] for none). The agent connects only to servers its operator allowed; any other is refused with `agent-mcp-server-failed`. Servers given to `tributary agent --mcp` are offered on every stream anyway. A sub-agent's stream gets the parent's list when it is first delegated to (the sub-agent tool appends this event there).",
    example: { servers: [{ name: "files" }, { name: "search", url: "http://127.0.0.1:8931/mcp" }] },
  },
  {
    type: "agent-mcp-server-connected",
    schema: s.mcpServerConnectedSchema,
    appendedBy: "tool",
    title: "MCP server connected",
    description: "The agent connected to an MCP server and announces its tools (`agent-tool-announced`, one per tool).",
    example: { name: "files", transport: "stdio", tools: ["files__read_file", "files__list_directory"], server: "filesystem 1.2.0" },
  },
  {
    type: "agent-mcp-server-disconnected",
    schema: s.mcpServerDisconnectedSchema,
    appendedBy: "tool",
    title: "MCP server disconnected",
    description:
      "An MCP server went away (its process exited, its connection closed) or the agent stopped: its tools are withdrawn. The agent connects again after 0.5 s (doubling, five tries) and with every input.",
    example: { name: "files", reason: "the server's process exited (code 1)" },
  },
  {
    type: "agent-mcp-server-failed",
    schema: s.mcpServerFailedSchema,
    appendedBy: "tool",
    title: "MCP server failed",
    description:
      "The agent could not connect to an MCP server (it would not start, or did not answer the handshake), or refused to: the operator did not allow it.",
    example: { name: "files", message: "spawn mcp-files ENOENT" },
  },
  {
    type: "agent-mcp-server-stderr",
    schema: s.mcpServerStderrSchema,
    appendedBy: "tool",
    title: "MCP server stderr",
    description: "What a stdio MCP server wrote to its stderr (its log), a few lines an event.",
    example: { name: "files", text: "Secure MCP Filesystem Server running on stdio\n" },
  },
  {
    type: "agent-compaction-started",
    schema: s.compactionStartedSchema,
    appendedBy: "agent",
    title: "Compaction started",
    description: "The history passed the token budget; the agent asks the model for a summary of the turns up to `throughOffset`.",
    example: { requestId: "12.1", throughOffset: 10, estimatedTokens: 9000, budgetTokens: 8000 },
  },
  {
    type: "agent-history-compacted",
    schema: s.historyCompactedSchema,
    appendedBy: "anyone",
    title: "History compacted",
    description: "A summary replaces the history up to `throughOffset` in the model's context. The raw events stay in the stream.",
    example: { summary: "The user asked for a README; it was written.", throughOffset: 10 },
  },
  {
    type: "agent-compaction-failed",
    schema: s.compactionFailedSchema,
    appendedBy: "agent",
    title: "Compaction failed",
    description: "The summary request failed; the agent proceeds with the full history.",
    example: { requestId: "12.1", message: "500 server error" },
  },
  {
    type: "agent-lease-acquired",
    schema: s.leaseAcquiredSchema,
    appendedBy: "agent",
    title: "Lease acquired",
    description:
      "An agent process took the stream: one agent answers per stream. Others wait as standbys, watching its heartbeat (the consumer cursor `tributary-agent-lease:beat`), and take the next epoch when it stands still for `ttlMs`. The agent acts only while the newest lease is its own.",
    example: { holder: "3f2c9a4e-agent", epoch: 1, ttlMs: 10000 },
  },
  {
    type: "agent-lease-released",
    schema: s.leaseReleasedSchema,
    appendedBy: "agent",
    title: "Lease released",
    description: "The holder stopped cleanly; a standby takes over at once.",
    example: { holder: "3f2c9a4e-agent", epoch: 1 },
  },
  {
    type: "agent-run-ended",
    schema: s.runEndedSchema,
    appendedBy: "agent",
    title: "Run ended",
    description:
      "The agent finished handling an input: answered, failed, cancelled (interrupted by a new input), stopped (by `agent-run-stop-requested`), interrupted (the agent stopped or restarted, or its events could not be stored) or turn-limit. `turns` counts the model requests the stream records for the run.",
    example: {
      inputOffset: 4,
      outcome: "answered",
      text: "README.md describes…",
      turns: 2,
      usage: { requests: 2, inputTokens: 1800, outputTokens: 120, cachedInputTokens: 900, reasoningTokens: 0, cost: 0.0002, currency: "USD" },
    },
  },
] as const satisfies readonly { type: string; schema: z.ZodType; appendedBy: string; title: string; description: string; example: Record<string, unknown> }[];

/** Every agent event type, by type: title, description, payload schema, example, who appends it. */
export const agentEventTypes: ReadonlyMap<string, s.AgentEventType> = new Map(
  table.map((entry) => [
    entry.type,
    { type: entry.type, title: entry.title, description: entry.description, payload: entry.schema, example: entry.example, appendedBy: entry.appendedBy },
  ]),
);

type Table = (typeof table)[number];
/** An agent event type name. */
export type AgentEventName = Table["type"];
/** The payload type of an agent event type. */
export type AgentPayload<T extends AgentEventName> = z.infer<Extract<Table, { type: T }>["schema"]>;

/**
 * Builds an agent event input, typed by its type.
 *
 * @example
 * await client.append({ path: "/me/agent", event: agentEvent("agent-input-added", { content: "hi" }) });
 */
export function agentEvent<T extends AgentEventName>(
  type: T,
  payload: AgentPayload<T>,
  extra: { idempotencyKey?: string; metadata?: Record<string, unknown> } = {},
) {
  return { type, payload: payload as Record<string, unknown>, ...extra };
}

/**
 * Validates an event's payload against the agent vocabulary. Returns the typed payload, `undefined` for a type
 * the agent does not know, or an error message for a known type with a bad payload.
 */
export function parseAgentPayload(type: string, payload: unknown): { ok: true; payload: unknown } | { ok: false; error: string } | undefined {
  const entry = agentEventTypes.get(type);
  if (!entry) return undefined;
  const result = entry.payload.safeParse(payload);
  if (result.success) return { ok: true, payload: result.data };
  return { ok: false, error: result.error.issues.map((issue) => `${issue.path.join(".") || "payload"}: ${issue.message}`).join("; ") };
}

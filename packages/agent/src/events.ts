import { z } from "zod";

/**
 * The agent's event vocabulary: every type the agent and its tools read or write, with the zod schema of its
 * payload. This table is the single source for validation, the TypeScript types and docs/agent.md.
 */
export interface AgentEventType {
  type: string;
  title: string;
  description: string;
  payload: z.ZodType;
  example: Record<string, unknown>;
  /** Who appends it: `you` (a person, a UI, another processor), `agent`, or `tool`. */
  appendedBy: "you" | "agent" | "tool" | "anyone";
}

export const apiSchema = z.enum(["chat", "responses"]).describe("chat: POST /chat/completions; responses: POST /responses.");
export const interruptPolicySchema = z
  .enum(["interrupt", "queue", "steer"])
  .describe(
    "interrupt: a new input cancels the run in flight; queue: it waits for the run to end; steer: it joins the run in flight at its next turn boundary, without cancelling anything.",
  );
const requestId = z.string().min(1).describe("The request: `<input offset>.<turn>`.");
const offset = z.number().int().positive();
const turn = z.number().int().positive().describe("1 for the first request of a run, then one more per tool round.");
const toolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a tool name is 1-64 letters, digits, '_' or '-'");

export const modelChangedSchema = z.object({ model: z.string().min(1).max(200).describe("The model id, as the provider names it.") }).strict();
export const systemPromptChangedSchema = z.object({ systemPrompt: z.string().max(200_000).describe("The new system prompt; empty for none.") }).strict();
export const providerChangedSchema = z
  .object({
    baseUrl: z.url().optional().describe("An OpenAI-compatible base URL, e.g. http://localhost:11434/v1."),
    api: apiSchema.optional(),
  })
  .strict();
export const settingsChangedSchema = z
  .object({
    contextWindowMs: z.number().int().min(0).max(60_000).optional().describe("How long to wait for context before each request (default 200)."),
    maxTurns: z.number().int().min(1).max(1000).optional().describe("Model requests per input at most (default 20)."),
    interruptPolicy: interruptPolicySchema.optional(),
    compactionBudgetTokens: z.number().int().min(100).optional().describe("Compact the history past this many (estimated) tokens."),
    compactionKeepInputs: z.number().int().min(1).max(100).optional().describe("How many recent inputs (with their turns) compaction keeps verbatim."),
    temperature: z.number().min(0).max(2).optional().describe("Sampling temperature sent with each request; the provider's default when unset."),
    toolTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(86_400_000)
      .optional()
      .describe("How long a tool call may run before the agent ends it with an error result (default 300000; a tool's own `timeoutMs` wins)."),
    toolAckTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .optional()
      .describe(
        "How long a tool that acknowledges its calls has to do so before the agent ends the call with an error and withdraws the tool (default 10000).",
      ),
    connectTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .optional()
      .describe("How long a model request may take to get its response headers (default 30000)."),
    firstTokenTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .optional()
      .describe("How long after the headers the first token (text or a tool call) may take (default 120000)."),
    idleTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .optional()
      .describe("How long the stream may go silent between two chunks once the first token came (default 60000)."),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe("Attempts after the first for a request that failed before its first token: timeouts, connection errors, 408, 409, 429, 5xx (default 2)."),
    maxSubagentDepth: z
      .number()
      .int()
      .min(0)
      .max(20)
      .optional()
      .describe("How deep sub-agents may nest (default 3; 0: no sub-agents); a deeper `subagent` call is refused."),
    retryDelayMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .optional()
      .describe("The wait before the first retry; doubled for each further one (default 1000; a provider's Retry-After wins, up to 60 s)."),
    approvalTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(86_400_000)
      .optional()
      .describe("How long a call under the `ask` policy waits for an answer before it is denied (default 600000)."),
  })
  .strict();

export const toolPolicySchema = z
  .enum(["allow", "ask", "deny"])
  .describe("allow: the call runs; ask: it waits for `agent-tool-call-approved` or `-denied`; deny: the model is told it may not.");
export const toolPolicyChangedSchema = z
  .object({
    default: toolPolicySchema.optional().describe("The policy of every tool without its own (default allow)."),
    tools: z
      .record(toolName, toolPolicySchema.nullable())
      .optional()
      .describe("Per tool name: its policy, or null to fall back to the default. Tools left out keep theirs."),
  })
  .strict();

export const inputAddedSchema = z
  .object({
    content: z.string({ error: "content is required: the message for the agent (a string)" }).min(1, "content must not be empty").describe("The message."),
    role: z.enum(["user", "system", "developer"]).optional().describe("Default user."),
    policy: interruptPolicySchema.optional().describe("Overrides the stream's interrupt policy for this input."),
  })
  .strict();
export const runStopRequestedSchema = z
  .object({
    inputOffset: offset.optional().describe("The run to stop (by its input); the current run when left out. A stop for another run is ignored."),
    reason: z.string().max(2000).optional().describe("Why, for the closing events."),
  })
  .strict();
export const inputSteeredSchema = z
  .object({ inputOffset: offset.describe("The steering input."), runInputOffset: offset.describe("The run it joins at its next turn boundary.") })
  .strict();
export const inputQueuedSchema = z
  .object({ inputOffset: offset.describe("The queued input."), behindInputOffset: offset.describe("The input whose run it waits for.") })
  .strict();

export const contextWindowOpenedSchema = z
  .object({
    requestId,
    inputOffset: offset.describe("The input being answered."),
    turn,
    windowMs: z.number().int().min(0).describe("How long the agent waits before the request starts."),
  })
  .strict();
export const contextAddedSchema = z
  .object({
    content: z.string().min(1).describe("The context, as the model will read it."),
    source: z.string().max(200).optional().describe("Who added it (a processor's slug)."),
    requestId: z.string().optional().describe("The announced request it answers, if any."),
  })
  .strict();

export const requestStartedSchema = z
  .object({
    requestId,
    inputOffset: offset.describe("The input being answered."),
    turn,
    model: z.string().describe("The model called."),
    api: apiSchema,
    baseUrl: z.string().optional().describe("The endpoint, when set by an event (else the agent's default)."),
    tools: z.array(z.string()).describe("The names of the tools offered."),
  })
  .strict();
export const toolCallDeltaSchema = z
  .object({
    index: z.number().int().min(0).describe("Which tool call of the output."),
    callId: z.string().optional().describe("Its id, in the fragment that opens it."),
    name: z.string().optional().describe("Its name, in the fragment that opens it."),
    argumentsDelta: z.string().describe("The next piece of its JSON arguments."),
  })
  .strict();
export const outputChunkReceivedSchema = z
  .object({
    requestId,
    index: z.number().int().min(0).describe("0 for the first chunk of the request."),
    text: z.string().optional().describe("Assistant text in this chunk."),
    toolCalls: z.array(toolCallDeltaSchema).optional().describe("Fragments of tool calls in this chunk: `{index, callId?, name?, argumentsDelta}`."),
    raw: z.unknown().describe("The chunk exactly as the provider sent it."),
  })
  .strict();
export const toolCallSchema = z
  .object({
    callId: z.string().min(1).describe("The provider's call id."),
    name: z.string().min(1).describe("The tool."),
    arguments: z.string().describe("JSON text."),
  })
  .strict();
const tokens = z.number().int().min(0);
export const usageSchema = z
  .object({
    inputTokens: tokens.describe("Tokens read (cached ones included)."),
    outputTokens: tokens.describe("Tokens written (reasoning ones included)."),
    cachedInputTokens: tokens.optional().describe("Of the input tokens, how many the provider served from its prompt cache."),
    reasoningTokens: tokens.optional().describe("Of the output tokens, how many were reasoning the provider did not show."),
  })
  .strict();
export const usageTotalsSchema = z
  .object({
    requests: tokens.describe("Model requests that reported usage."),
    inputTokens: tokens,
    outputTokens: tokens,
    cachedInputTokens: tokens,
    reasoningTokens: tokens,
    cost: z
      .number()
      .min(0)
      .optional()
      .describe("What the requests cost by the price table (`agent-prices-configured`), in its currency; absent without a price for the model."),
    currency: z.string().optional().describe("The price table's currency."),
  })
  .strict();
const perMillion = z.number().min(0).max(1_000_000);
export const modelPriceSchema = z
  .object({
    inputPerMillion: perMillion.describe("Price of a million input tokens that were not cached."),
    outputPerMillion: perMillion.describe("Price of a million output tokens (reasoning tokens are output tokens)."),
    cachedInputPerMillion: perMillion.optional().describe("Price of a million cached input tokens (default: inputPerMillion)."),
  })
  .strict();
export const pricesConfiguredSchema = z
  .object({
    currency: z.string().min(1).max(10).optional().describe("Default USD."),
    models: z
      .record(z.string().min(1).max(200), modelPriceSchema)
      .describe("Prices by model id, as `agent-request-started.model` names it; `*` prices every other model."),
  })
  .strict();
export const outputCompletedSchema = z
  .object({
    requestId,
    text: z.string().describe("The assistant's text (may be empty when it only calls tools)."),
    toolCalls: z.array(toolCallSchema).describe("Tool calls: `{callId, name, arguments}`."),
    finishReason: z.string().optional().describe("stop, tool_calls, length, … as the provider said."),
    usage: usageSchema.optional().describe("Token usage as the provider reported it: `{inputTokens, outputTokens, cachedInputTokens?, reasoningTokens?}`."),
  })
  .strict();
export const requestRetriedSchema = z
  .object({
    requestId,
    attempt: z.number().int().min(2).describe("The attempt about to start (2 for the first retry)."),
    delayMs: z.number().int().min(0).describe("How long the agent waits before it."),
    error: z.string().describe("Why the attempt before failed."),
    status: z.number().int().optional().describe("The HTTP status of that failure, if any."),
  })
  .strict();
export const requestFailedSchema = z
  .object({
    requestId,
    message: z.string().describe("What went wrong."),
    attempts: z.number().int().min(1).optional().describe("How many attempts were made."),
    status: z.number().int().optional().describe("The HTTP status, for an HTTP error."),
    code: z.string().optional().describe("The provider's error code, if any."),
  })
  .strict();
export const requestCancelledSchema = z
  .object({ requestId, reason: z.string().describe("Why."), byOffset: offset.optional().describe("The input that interrupted it.") })
  .strict();

export const toolAnnouncedSchema = z
  .object({
    name: toolName.describe("The function name the model calls (1-64 letters, digits, _ or -)."),
    description: z.string().max(10_000).describe("What it does, for the model."),
    parameters: z.record(z.string(), z.unknown()).describe("A JSON schema of the arguments (type: object)."),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(86_400_000)
      .optional()
      .describe("How long one call may run before the agent ends it with an error (else the agent's `toolTimeoutMs`)."),
    acknowledges: z
      .boolean()
      .optional()
      .describe(
        "True when the tool's process answers each call at once with `agent-tool-call-started`: a call not acknowledged within `toolAckTimeoutMs` means the process is gone.",
      ),
  })
  .strict();
export const toolWithdrawnSchema = z
  .object({ name: toolName.describe("The tool."), reason: z.string().max(2000).optional().describe("Why, when it was not the tool's own choice.") })
  .strict();
export const toolCallStartedSchema = z
  .object({ callId: z.string().min(1).describe("The call being run."), name: z.string().min(1).describe("The tool.") })
  .strict();
export const toolCallRequestedSchema = z
  .object({
    callId: z.string().min(1).describe("The call id; the result names it."),
    requestId,
    name: z.string().min(1).describe("The tool."),
    arguments: z.string().describe("The arguments as the model wrote them (JSON text)."),
    input: z.unknown().describe("The arguments parsed, or null when they are not valid JSON."),
  })
  .strict();
export const toolCallCompletedSchema = z
  .object({
    callId: z.string().min(1).describe("The call it answers."),
    name: z.string().min(1).describe("The tool."),
    output: z.string().describe("What the model sees as the tool's result."),
    isError: z.boolean().optional().describe("True when the call failed (the output says how)."),
  })
  .strict();

export const toolCallApprovalRequestedSchema = z
  .object({
    callId: z.string().min(1).describe("The call waiting for an answer."),
    requestId,
    name: z.string().min(1).describe("The tool."),
    arguments: z.string().describe("The arguments as the model wrote them (JSON text)."),
    input: z.unknown().describe("The arguments parsed, or null when they are not valid JSON."),
    timeoutMs: z.number().int().min(1).describe("How long the agent waits for an answer before it denies the call."),
  })
  .strict();
const answeredBy = z.string().max(200).optional().describe("Who answered: a person, a UI, a plugin's slug (for the record).");
export const toolCallApprovedSchema = z
  .object({
    callId: z.string().min(1).describe("The call approved."),
    reason: z.string().max(2000).optional().describe("Why (for the record)."),
    by: answeredBy,
  })
  .strict();
export const toolCallDeniedSchema = z
  .object({
    callId: z.string().min(1).describe("The call denied."),
    reason: z.string().max(2000).optional().describe("Why; the model reads it in the call's result."),
    by: answeredBy,
    timedOut: z.boolean().optional().describe("True when nobody answered within the approval timeout."),
  })
  .strict();

export const compactionStartedSchema = z
  .object({
    requestId,
    throughOffset: offset.describe("The history up to this offset is summarized."),
    estimatedTokens: z
      .number()
      .int()
      .describe(
        "The size of the context: the provider's last reported input and output tokens plus four characters a token for what came after (all estimated without usage).",
      ),
    budgetTokens: z.number().int().describe("The budget it passed."),
    reason: z
      .enum(["budget", "context-length"])
      .optional()
      .describe("budget (default): the next request would pass it; context-length: the provider refused the last request as too long."),
  })
  .strict();
export const historyCompactedSchema = z
  .object({
    summary: z.string().min(1).describe("The summary the model reads instead of the older turns."),
    throughOffset: offset.describe("History entries from events up to this offset are replaced by the summary."),
    requestId: z.string().optional().describe("The request the compaction ran before."),
    estimatedTokensBefore: z.number().int().optional().describe("Estimated context size before."),
    estimatedTokensAfter: z.number().int().optional().describe("Estimated context size after."),
  })
  .strict();
export const compactionFailedSchema = z.object({ requestId, message: z.string().describe("What went wrong.") }).strict();

export const subagentRefusedSchema = z
  .object({
    callId: z.string().min(1).describe("The refused `subagent` call."),
    depth: z.number().int().min(1).describe("The depth the sub-agent would have had (1: a child of the top agent)."),
    maxDepth: z.number().int().min(0).describe("The limit."),
  })
  .strict();

export const runOutcomeSchema = z.enum(["answered", "failed", "cancelled", "interrupted", "stopped", "turn-limit"]).describe("How the run ended.");
export const runEndedSchema = z
  .object({
    inputOffset: offset.describe("The input the run answered."),
    outcome: runOutcomeSchema,
    text: z.string().optional().describe("The final answer, or what went wrong."),
    turns: z.number().int().min(0).describe("Model requests made."),
    byOffset: offset.optional().describe("The input that interrupted the run, if one did."),
    usage: usageTotalsSchema.optional().describe("The run's token usage summed over its requests, and its cost when prices are configured."),
    streamUsage: usageTotalsSchema.optional().describe("The stream's totals after this run (every run so far), so a reader of the last run-ended has them."),
  })
  .strict();

export const leaseAcquiredSchema = z
  .object({
    holder: z.string().min(1).max(200).describe("The agent process that holds the stream now."),
    epoch: z.number().int().min(1).describe("1 for the first holder, one more for each takeover."),
    ttlMs: z.number().int().min(1).describe("How long its heartbeat may stand still before a standby takes over."),
  })
  .strict();
export const leaseReleasedSchema = z
  .object({ holder: z.string().min(1).max(200).describe("The agent process that stopped."), epoch: z.number().int().min(1).describe("The epoch it held.") })
  .strict();

const mcpServerName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, "an MCP server name is 1-32 letters, digits, '_' or '-'")
  .describe("The server's name: its tools are offered as `<name>__<tool>`.");
export const mcpServerSchema = z
  .object({
    name: mcpServerName,
    command: z.string().min(1).max(4000).optional().describe("stdio: the program to start."),
    args: z.array(z.string().max(4000)).max(100).optional().describe("stdio: its arguments."),
    url: z.url().optional().describe("Streamable HTTP: the server's URL."),
  })
  .strict();
export const mcpServersConfiguredSchema = z
  .object({
    servers: z
      .array(mcpServerSchema)
      .max(50)
      .describe(
        "The MCP servers whose tools this stream's agent is offered. Each must be one the operator allowed (`--mcp-allow`): by name alone, or by the same command and arguments, or the same URL.",
      ),
  })
  .strict();
export const mcpServerConnectedSchema = z
  .object({
    name: z.string().describe("The server."),
    transport: z.enum(["stdio", "http"]).describe("How the agent talks to it."),
    tools: z.array(z.string()).describe("The names its tools are offered under."),
    server: z.string().optional().describe("The name and version the server reported."),
  })
  .strict();
export const mcpServerDisconnectedSchema = z
  .object({ name: z.string().describe("The server."), reason: z.string().describe("Why: it exited, the connection closed, the agent stopped.") })
  .strict();
export const mcpServerFailedSchema = z
  .object({
    name: z.string().describe("The server."),
    message: z.string().describe("What went wrong."),
    refused: z.boolean().optional().describe("True when the agent refused to start it: the operator did not allow it."),
  })
  .strict();
export const mcpServerStderrSchema = z
  .object({ name: z.string().describe("The server."), text: z.string().describe("What it wrote to stderr (up to 4000 characters an event).") })
  .strict();

export const sessionImportedSchema = z
  .object({
    source: z.enum(["claude-code", "pi"]).describe("The harness the session comes from."),
    sessionId: z.string().optional().describe("The session's id in that harness."),
    cwd: z.string().optional().describe("The working directory the session ran in."),
    file: z.string().optional().describe("The file it was imported from, as given to `tributary import`."),
    steps: z.number().int().min(0).describe("Messages imported (inputs, answers, tool results, summaries)."),
    skipped: z.number().int().min(0).describe("Lines of the file that are not part of the conversation (metadata, other branches, sub-agent sidechains)."),
  })
  .strict();

export type Api = z.infer<typeof apiSchema>;
export type ToolPolicy = z.infer<typeof toolPolicySchema>;
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type InterruptPolicy = z.infer<typeof interruptPolicySchema>;
export type ToolCall = z.infer<typeof toolCallSchema>;
export type ToolCallDelta = z.infer<typeof toolCallDeltaSchema>;
export type Usage = z.infer<typeof usageSchema>;
export type UsageTotals = z.infer<typeof usageTotalsSchema>;
export type PriceTable = z.infer<typeof pricesConfiguredSchema>;
export type RunOutcome = z.infer<typeof runOutcomeSchema>;
export type ToolDefinition = z.infer<typeof toolAnnouncedSchema>;
export type OutputChunk = z.infer<typeof outputChunkReceivedSchema>;

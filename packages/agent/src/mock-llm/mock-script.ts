import { z } from "zod";
import { parse as parseYaml } from "yaml";

/**
 * A text pattern in a script: a substring, or `/regex/flags`.
 * Matching is case-sensitive for substrings; use `/.../i` for case-insensitive.
 */
const pattern = z.string().min(1).describe("A substring, or /regex/flags.");

export const mockToolCallSchema = z
  .object({
    name: z.string().min(1).describe("The function name the model calls."),
    arguments: z
      .union([z.record(z.string(), z.unknown()), z.string()])
      .default({})
      .describe("Arguments: an object (sent as JSON) or a raw string."),
    id: z.string().min(1).optional().describe("The call id; generated when absent."),
  })
  .strict();

export const mockErrorSchema = z
  .object({
    status: z.number().int().min(400).max(599).default(500),
    message: z.string().default("mock-llm scripted error"),
    type: z.string().default("server_error"),
    code: z.string().optional(),
  })
  .strict();

/** What one scripted model turn does. Everything is optional; an empty reply streams an empty message. */
export const mockReplySchema = z
  .object({
    text: z.string().optional().describe("Assistant text, streamed in chunks."),
    echo: z.boolean().optional().describe("Reply with the last user message (after any text)."),
    toolCalls: z.array(mockToolCallSchema).optional().describe("Function calls, streamed after the text."),
    chunkSize: z.number().int().positive().optional().describe("Characters per text chunk; by default one word per chunk."),
    delayMs: z.number().int().min(0).max(600_000).optional().describe("Wait before answering (latency)."),
    gate: z.string().min(1).optional().describe("Hold the answer until this gate is opened (`openGate(name)`, or POST /mock/gates/<name>)."),
    chunkDelayMs: z.number().int().min(0).max(60_000).optional().describe("Wait between streamed chunks."),
    error: mockErrorSchema.optional().describe("Answer with this HTTP error instead of a reply."),
    disconnectAfterChunks: z.number().int().min(0).optional().describe("Destroy the connection after this many streamed chunks."),
    stallAfterChunks: z.number().int().min(0).optional().describe("Stop sending after this many chunks and hold the connection open until the client leaves."),
    usage: z
      .object({
        inputTokens: z.number().int().min(0),
        outputTokens: z.number().int().min(0),
        cachedInputTokens: z.number().int().min(0).optional().describe("Of the input tokens, how many the provider read from its prompt cache."),
        reasoningTokens: z.number().int().min(0).optional().describe("Of the output tokens, how many were reasoning."),
      })
      .strict()
      .optional()
      .describe("The usage to report; estimated (four characters a token, nothing cached, no reasoning) when absent."),
  })
  .strict();

export const mockMatchSchema = z
  .object({
    user: pattern.optional().describe("Matches the text of the last user message."),
    last: pattern.optional().describe("Matches the text of the last message of any role (a tool result, say)."),
    system: pattern.optional().describe("Matches the system prompt / instructions."),
    model: pattern.optional().describe("Matches the requested model."),
    tool: z.string().optional().describe("Matches when a tool of this name is offered."),
  })
  .strict();

export const mockTurnSchema = mockReplySchema
  .extend({
    match: z.union([pattern, mockMatchSchema]).optional().describe("When to use this turn; a string matches the last user message."),
    times: z.number().int().positive().optional().describe("How many requests this turn answers (default 1)."),
    repeat: z.boolean().optional().describe("Answer any number of requests."),
  })
  .strict();

export const mockScriptSchema = z
  .object({
    turns: z.array(mockTurnSchema).default([]),
    fallback: mockReplySchema.optional().describe("The reply when no turn is left; without it such a request gets a 500 error that says so."),
  })
  .strict();

export type MockToolCall = z.output<typeof mockToolCallSchema>;
export type MockReply = z.output<typeof mockReplySchema>;
export type MockTurn = z.output<typeof mockTurnSchema>;
export type MockScript = z.output<typeof mockScriptSchema>;
export type MockScriptInput = z.input<typeof mockScriptSchema> | z.input<typeof mockTurnSchema>[];

/** Thrown for a script that does not parse or validate; the message says where. */
export class MockScriptError extends Error {
  readonly code = "invalid_mock_script";
  constructor(message: string) {
    super(message);
    this.name = "MockScriptError";
  }
}

/**
 * Parses a mock-llm script: an object `{turns, fallback?}`, a bare array of turns, or the JSON / YAML text of
 * either.
 *
 * @example
 * parseMockScript(`
 * turns:
 *   - match: list files
 *     toolCalls: [{ name: shell, arguments: { command: ls } }]
 *   - text: Here they are.
 * `);
 */
export function parseMockScript(input: string | MockScriptInput): MockScript {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = parseYaml(input); // YAML is a superset of JSON
    } catch (error) {
      throw new MockScriptError(`the script is neither JSON nor YAML: ${(error as Error).message}`);
    }
  }
  if (Array.isArray(value)) value = { turns: value };
  const result = mockScriptSchema.safeParse(value ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "script"}: ${issue.message}`).join("; ");
    throw new MockScriptError(`invalid mock-llm script: ${issues}`);
  }
  return result.data;
}

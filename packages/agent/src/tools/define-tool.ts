import type { ProcessorAppend } from "@tributary/protocol";
import { z } from "zod";
import type { ToolDefinition } from "../events.ts";

/** What a tool's `run` gets besides its input. */
export interface ToolContext {
  /** Aborted when the call is closed by someone else (the agent cancelled it) or the runtime stops. */
  signal: AbortSignal;
  /** The stream the call was made on. */
  path: string;
  callId: string;
  requestId: string;
  append: ProcessorAppend;
}

/** A tool's answer: text for the model, flagged as an error when it failed. */
export type ToolResult = string | { output: string; isError?: boolean };

export interface Tool<Input = unknown> {
  name: string;
  description: string;
  /** The input schema: validates the model's arguments and is announced as JSON schema. */
  input: z.ZodType<Input>;
  /** How long one call may run before the agent ends it with an error (default: the agent's `toolTimeoutMs`). */
  timeoutMs?: number;
  run(input: Input, context: ToolContext): Promise<ToolResult>;
}

/**
 * Declares a tool: a name, a description, a zod input schema and `run`. Serve it with
 * `createToolProcessor([tool])`.
 *
 * @example
 * const clock = defineTool({
 *   name: "clock",
 *   description: "The current time (ISO-8601).",
 *   input: z.object({}),
 *   run: async () => new Date().toISOString(),
 * });
 */
export function defineTool<Input>(tool: Tool<Input>): Tool<Input> {
  return tool;
}

/** The announcement of a tool: its name, description, JSON schema and timeout. */
export function toolDefinition(tool: Tool<unknown>): ToolDefinition {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.input as z.ZodType, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, parameters, ...(tool.timeoutMs !== undefined ? { timeoutMs: tool.timeoutMs } : {}) };
}

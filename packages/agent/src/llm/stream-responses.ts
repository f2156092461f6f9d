import type OpenAI from "openai";
import type { ToolCallDelta } from "../events.ts";
import type { ChunkSink, ModelOutput, ModelRequest } from "./model-request.ts";
import { toResponsesInput, toResponsesTools } from "./responses-input.ts";
import { responsesUsage } from "./provider-usage.ts";

type Response = OpenAI.Responses.Response;

/** The text and tool calls of a finished Responses API response. */
export function responseOutput(response: Response): ModelOutput {
  let text = "";
  const toolCalls: ModelOutput["toolCalls"] = [];
  for (const item of response.output) {
    if (item.type === "message") for (const part of item.content) if (part.type === "output_text") text += part.text;
    if (item.type === "function_call") toolCalls.push({ callId: item.call_id, name: item.name, arguments: item.arguments });
  }
  const usage = response.usage ? responsesUsage(response.usage) : undefined;
  return { text, toolCalls, finishReason: toolCalls.length > 0 ? "tool_calls" : (response.status ?? undefined), usage };
}

/**
 * Streams a Responses API request, handing every event to `sink` before reading the next; the output is
 * taken from `response.completed`. A stream that ends without it, or with `response.failed`, is an error.
 */
export async function streamResponses(
  client: OpenAI,
  request: ModelRequest,
  sink: ChunkSink,
  signal: AbortSignal,
  onResponse: () => void = () => undefined,
): Promise<ModelOutput> {
  const stream = await client.responses.create(
    {
      model: request.model,
      ...(request.systemPrompt !== "" ? { instructions: request.systemPrompt } : {}),
      input: toResponsesInput(request.history),
      ...(request.tools.length > 0 ? { tools: toResponsesTools(request.tools) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      stream: true,
    },
    { signal },
  );
  onResponse();
  let completed: Response | undefined;
  for await (const event of stream) {
    let text: string | undefined;
    let toolCalls: ToolCallDelta[] | undefined;
    if (event.type === "response.output_text.delta") text = event.delta;
    if (event.type === "response.output_item.added" && event.item.type === "function_call") {
      toolCalls = [{ index: event.output_index, callId: event.item.call_id, name: event.item.name, argumentsDelta: event.item.arguments ?? "" }];
    }
    if (event.type === "response.function_call_arguments.delta") toolCalls = [{ index: event.output_index, argumentsDelta: event.delta }];
    await sink({ ...(text ? { text } : {}), ...(toolCalls ? { toolCalls } : {}), raw: event });
    if (event.type === "response.completed") completed = event.response;
    if (event.type === "response.failed") throw new Error(event.response.error?.message ?? "the model reported response.failed");
    if (event.type === "error") throw new Error(event.message);
  }
  signal.throwIfAborted();
  if (!completed) throw new Error("the stream ended before response.completed");
  return responseOutput(completed);
}

import type OpenAI from "openai";
import type { ToolCall, ToolCallDelta } from "../events.ts";
import { toChatMessages, toChatTools } from "./chat-messages.ts";
import { chatUsage } from "./provider-usage.ts";
import type { ChunkSink, ModelOutput, ModelRequest } from "./model-request.ts";

/**
 * Streams a Chat Completions request, handing every chunk to `sink` before reading the next, and assembles
 * the whole output (text, tool calls by index, finish reason, usage).
 */
export async function streamChat(
  client: OpenAI,
  request: ModelRequest,
  sink: ChunkSink,
  signal: AbortSignal,
  onResponse: () => void = () => undefined,
): Promise<ModelOutput> {
  const stream = await client.chat.completions.create(
    {
      model: request.model,
      messages: toChatMessages(request.systemPrompt, request.history),
      ...(request.tools.length > 0 ? { tools: toChatTools(request.tools) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal },
  );
  onResponse();
  let text = "";
  const calls: { callId: string; name: string; arguments: string }[] = [];
  const output: ModelOutput = { text: "", toolCalls: [] };
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    const content = choice?.delta?.content ?? undefined;
    const deltas: ToolCallDelta[] = (choice?.delta?.tool_calls ?? []).map((call, position) => {
      const index = call.index ?? position;
      const slot = (calls[index] ??= { callId: "", name: "", arguments: "" });
      if (call.id) slot.callId = call.id;
      if (call.function?.name) slot.name += call.function.name;
      slot.arguments += call.function?.arguments ?? "";
      return { index, callId: call.id ?? undefined, name: call.function?.name ?? undefined, argumentsDelta: call.function?.arguments ?? "" };
    });
    if (content) text += content;
    if (choice?.finish_reason) output.finishReason = choice.finish_reason;
    if (chunk.usage) output.usage = chatUsage(chunk.usage);
    await sink({ ...(content ? { text: content } : {}), ...(deltas.length > 0 ? { toolCalls: deltas } : {}), raw: chunk });
  }
  signal.throwIfAborted();
  output.text = text;
  output.toolCalls = calls
    .filter(Boolean)
    .map((call, index): ToolCall => ({ callId: call.callId || `call_${index}`, name: call.name, arguments: call.arguments }));
  return output;
}

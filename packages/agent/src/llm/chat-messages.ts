import type OpenAI from "openai";
import type { HistoryEntry } from "../agent-state.ts";
import type { ToolDefinition } from "../events.ts";
import { contextMessage } from "./model-request.ts";

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** The history as Chat Completions messages: the system prompt first, tool results right after their calls. */
export function toChatMessages(systemPrompt: string, history: HistoryEntry[]): Message[] {
  const messages: Message[] = systemPrompt === "" ? [] : [{ role: "system", content: systemPrompt }];
  for (const entry of history) {
    switch (entry.kind) {
      case "input":
        messages.push({ role: entry.role, content: entry.text });
        break;
      case "assistant":
        if (entry.toolCalls.length === 0) {
          messages.push({ role: "assistant", content: entry.text });
        } else {
          messages.push({
            role: "assistant",
            content: entry.text === "" ? null : entry.text,
            tool_calls: entry.toolCalls.map((call) => ({ id: call.callId, type: "function", function: { name: call.name, arguments: call.arguments } })),
          });
        }
        break;
      case "tool-result":
        messages.push({ role: "tool", tool_call_id: entry.callId, content: entry.output });
        break;
      case "context":
      case "summary":
        messages.push({ role: "system", content: contextMessage(entry) });
        break;
    }
  }
  return messages;
}

export function toChatTools(tools: ToolDefinition[]): OpenAI.Chat.Completions.ChatCompletionTool[] {
  return tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
}

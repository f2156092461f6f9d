import type OpenAI from "openai";
import type { HistoryEntry } from "../agent-state.ts";
import type { ToolDefinition } from "../events.ts";
import { contextMessage } from "./model-request.ts";

type Item = OpenAI.Responses.ResponseInputItem;

/** The history as Responses API input items (the system prompt goes to `instructions`). */
export function toResponsesInput(history: HistoryEntry[]): Item[] {
  const items: Item[] = [];
  for (const entry of history) {
    switch (entry.kind) {
      case "input":
        items.push({ role: entry.role, content: entry.text });
        break;
      case "assistant":
        if (entry.text !== "") items.push({ role: "assistant", content: entry.text });
        for (const call of entry.toolCalls) items.push({ type: "function_call", call_id: call.callId, name: call.name, arguments: call.arguments });
        break;
      case "tool-result":
        items.push({ type: "function_call_output", call_id: entry.callId, output: entry.output });
        break;
      case "context":
      case "summary":
        items.push({ role: "system", content: contextMessage(entry) });
        break;
    }
  }
  return items;
}

export function toResponsesTools(tools: ToolDefinition[]): OpenAI.Responses.FunctionTool[] {
  return tools.map((tool) => ({ type: "function", name: tool.name, description: tool.description, parameters: tool.parameters, strict: false }));
}

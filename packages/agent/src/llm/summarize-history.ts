import type OpenAI from "openai";
import type { HistoryEntry } from "../agent-state.ts";
import type { Api } from "../events.ts";

export const summaryInstructions =
  "You compact a conversation between a user and an AI agent. Write a summary the agent can continue from: the user's goals, decisions made, facts learned, files and commands involved, and what is still open. Be concise; plain text.";

/** The entries as a plain transcript for the summarizer. */
export function transcript(entries: HistoryEntry[]): string {
  return entries
    .map((entry) => {
      switch (entry.kind) {
        case "input":
          return `${entry.role}: ${entry.text}`;
        case "assistant":
          return [entry.text && `assistant: ${entry.text}`, ...entry.toolCalls.map((call) => `assistant called ${call.name}(${call.arguments})`)]
            .filter(Boolean)
            .join("\n");
        case "tool-result":
          return `${entry.name} returned${entry.isError ? " an error" : ""}: ${entry.output}`;
        case "context":
          return `context${entry.source ? ` from ${entry.source}` : ""}: ${entry.text}`;
        case "summary":
          return `earlier summary: ${entry.text}`;
      }
    })
    .join("\n");
}

/** Asks the model (not streamed) for a summary of `entries`. */
export async function summarizeHistory(client: OpenAI, options: { api: Api; model: string }, entries: HistoryEntry[], signal: AbortSignal): Promise<string> {
  const text = transcript(entries);
  if (options.api === "responses") {
    const response = await client.responses.create({ model: options.model, instructions: summaryInstructions, input: text }, { signal });
    return response.output_text;
  }
  const completion = await client.chat.completions.create(
    {
      model: options.model,
      messages: [
        { role: "system", content: summaryInstructions },
        { role: "user", content: text },
      ],
    },
    { signal },
  );
  return completion.choices[0]?.message.content ?? "";
}

import type OpenAI from "openai";
import type { Usage } from "../events.ts";

const detail = (value: number | null | undefined) => (typeof value === "number" && value > 0 ? value : undefined);

/** A Chat Completions `usage` as the agent records it; the details only when the provider reported them. */
export function chatUsage(usage: OpenAI.CompletionUsage): Usage {
  const cached = detail(usage.prompt_tokens_details?.cached_tokens);
  const reasoning = detail(usage.completion_tokens_details?.reasoning_tokens);
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(cached ? { cachedInputTokens: cached } : {}),
    ...(reasoning ? { reasoningTokens: reasoning } : {}),
  };
}

/** A Responses API `usage` as the agent records it. */
export function responsesUsage(usage: OpenAI.Responses.ResponseUsage): Usage {
  const cached = detail(usage.input_tokens_details?.cached_tokens);
  const reasoning = detail(usage.output_tokens_details?.reasoning_tokens);
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    ...(cached ? { cachedInputTokens: cached } : {}),
    ...(reasoning ? { reasoningTokens: reasoning } : {}),
  };
}

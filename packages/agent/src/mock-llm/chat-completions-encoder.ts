import type { ReplyPlan } from "./reply-plan.ts";
import { sseFrame, type StreamStep } from "./stream-step.ts";

const finishReason = (plan: ReplyPlan) => (plan.toolCalls.length > 0 ? "tool_calls" : "stop");

const usageOf = (plan: ReplyPlan) => ({
  prompt_tokens: plan.usage.inputTokens,
  completion_tokens: plan.usage.outputTokens,
  total_tokens: plan.usage.inputTokens + plan.usage.outputTokens,
  prompt_tokens_details: { cached_tokens: plan.usage.cachedInputTokens },
  completion_tokens_details: { reasoning_tokens: plan.usage.reasoningTokens },
});

/** The non-streamed Chat Completions response (`chat.completion`). */
export function chatCompletionBody(plan: ReplyPlan) {
  return {
    id: `chatcmpl-mock-${plan.id}`,
    object: "chat.completion",
    created: plan.created,
    model: plan.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: plan.text === "" && plan.toolCalls.length > 0 ? null : plan.text,
          refusal: null,
          ...(plan.toolCalls.length > 0
            ? { tool_calls: plan.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })) }
            : {}),
        },
        logprobs: null,
        finish_reason: finishReason(plan),
      },
    ],
    usage: usageOf(plan),
  };
}

/**
 * The streamed Chat Completions response as SSE steps (`chat.completion.chunk` objects, then `[DONE]`).
 * A tool call's first chunk carries its id and name; later chunks carry argument fragments.
 */
export function chatCompletionSteps(plan: ReplyPlan, includeUsage: boolean): StreamStep[] {
  const base = { id: `chatcmpl-mock-${plan.id}`, object: "chat.completion.chunk", created: plan.created, model: plan.model };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    sseFrame({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const steps: StreamStep[] = [{ frames: [chunk({ role: "assistant", content: "", refusal: null })], chunk: false }];
  const opened = new Set<number>();
  for (const delta of plan.deltas) {
    if (delta.kind === "text") {
      steps.push({ frames: [chunk({ content: delta.text })], chunk: true });
      continue;
    }
    const call = plan.toolCalls[delta.index]!;
    const first = !opened.has(delta.index);
    opened.add(delta.index);
    const fn = first ? { name: call.name, arguments: delta.text } : { arguments: delta.text };
    const toolDelta = first ? { index: delta.index, id: call.id, type: "function", function: fn } : { index: delta.index, function: fn };
    steps.push({ frames: [chunk({ tool_calls: [toolDelta] })], chunk: true });
  }
  const closing = [chunk({}, finishReason(plan))];
  if (includeUsage) closing.push(sseFrame({ ...base, choices: [], usage: usageOf(plan) }));
  closing.push(sseFrame("[DONE]"));
  steps.push({ frames: closing, chunk: false });
  return steps;
}

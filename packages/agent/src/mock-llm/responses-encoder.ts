import type { ReplyPlan } from "./reply-plan.ts";
import { sseFrame, type StreamStep } from "./stream-step.ts";

type Item = Record<string, unknown>;

const messageId = (plan: ReplyPlan) => `msg_mock_${plan.id}`;
const functionItemId = (plan: ReplyPlan, index: number) => `fc_mock_${plan.id}_${index}`;

function responseObject(plan: ReplyPlan, status: "in_progress" | "completed", output: Item[]) {
  return {
    id: `resp_mock_${plan.id}`,
    object: "response",
    created_at: plan.created,
    status,
    model: plan.model,
    output,
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    parallel_tool_calls: true,
    temperature: 1,
    top_p: 1,
    tool_choice: "auto",
    tools: [],
    text: { format: { type: "text" } },
    truncation: "disabled",
    usage:
      status === "completed"
        ? {
            input_tokens: plan.usage.inputTokens,
            input_tokens_details: { cached_tokens: plan.usage.cachedInputTokens },
            output_tokens: plan.usage.outputTokens,
            output_tokens_details: { reasoning_tokens: plan.usage.reasoningTokens },
            total_tokens: plan.usage.inputTokens + plan.usage.outputTokens,
          }
        : null,
  };
}

const textPart = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });
const messageItem = (plan: ReplyPlan, status: string, text: string | undefined): Item => ({
  id: messageId(plan),
  type: "message",
  status,
  role: "assistant",
  content: text === undefined ? [] : [textPart(text)],
});
const functionItem = (plan: ReplyPlan, index: number, status: string, args: string): Item => {
  const call = plan.toolCalls[index]!;
  return { id: functionItemId(plan, index), type: "function_call", status, call_id: call.id, name: call.name, arguments: args };
};

/** Whether the reply has a message item: when it has text, or when it has nothing else. */
const hasMessage = (plan: ReplyPlan) => plan.text !== "" || plan.toolCalls.length === 0;

function finalOutput(plan: ReplyPlan): Item[] {
  const output: Item[] = hasMessage(plan) ? [messageItem(plan, "completed", plan.text)] : [];
  plan.toolCalls.forEach((call, index) => output.push(functionItem(plan, index, "completed", call.arguments)));
  return output;
}

/** The non-streamed Responses API response object. */
export function responsesBody(plan: ReplyPlan) {
  return { ...responseObject(plan, "completed", finalOutput(plan)), output_text: plan.text };
}

/**
 * The streamed Responses API response as SSE steps, in the order OpenAI sends them: `response.created`,
 * then per output item `output_item.added` → deltas → `…done` → `output_item.done`, then `response.completed`.
 * Every event carries a `sequence_number` and is framed with its type as the SSE `event:`.
 */
export function responsesSteps(plan: ReplyPlan): StreamStep[] {
  let sequence = 0;
  const frame = (type: string, fields: Record<string, unknown>) => sseFrame({ type, sequence_number: sequence++, ...fields }, type);
  const steps: StreamStep[] = [];
  const add = (chunk: boolean, ...frames: string[]) => steps.push({ frames, chunk });
  add(
    false,
    frame("response.created", { response: responseObject(plan, "in_progress", []) }),
    frame("response.in_progress", { response: responseObject(plan, "in_progress", []) }),
  );
  let outputIndex = 0;
  if (hasMessage(plan)) {
    const ids = { item_id: messageId(plan), output_index: outputIndex, content_index: 0 };
    add(
      false,
      frame("response.output_item.added", { output_index: outputIndex, item: messageItem(plan, "in_progress", undefined) }),
      frame("response.content_part.added", { ...ids, part: textPart("") }),
    );
    for (const delta of plan.deltas) if (delta.kind === "text") add(true, frame("response.output_text.delta", { ...ids, delta: delta.text, logprobs: [] }));
    add(
      false,
      frame("response.output_text.done", { ...ids, text: plan.text, logprobs: [] }),
      frame("response.content_part.done", { ...ids, part: textPart(plan.text) }),
      frame("response.output_item.done", { output_index: outputIndex, item: messageItem(plan, "completed", plan.text) }),
    );
    outputIndex += 1;
  }
  plan.toolCalls.forEach((call, index) => {
    const ids = { item_id: functionItemId(plan, index), output_index: outputIndex };
    add(false, frame("response.output_item.added", { output_index: outputIndex, item: functionItem(plan, index, "in_progress", "") }));
    for (const delta of plan.deltas) {
      if (delta.kind === "tool-arguments" && delta.index === index) add(true, frame("response.function_call_arguments.delta", { ...ids, delta: delta.text }));
    }
    add(
      false,
      frame("response.function_call_arguments.done", { ...ids, name: call.name, arguments: call.arguments }),
      frame("response.output_item.done", { output_index: outputIndex, item: functionItem(plan, index, "completed", call.arguments) }),
    );
    outputIndex += 1;
  });
  add(false, frame("response.completed", { response: responseObject(plan, "completed", finalOutput(plan)) }));
  return steps;
}

/**
 * Whether a failed request was refused for being too long for the model's context. Providers say so in
 * different ways: OpenAI's `context_length_exceeded` code, a 413, or a message about the context length
 * (vLLM, llama.cpp, Ollama, OpenRouter). Pure, on the fields of `agent-request-failed`, so a replay decides
 * the same way.
 */
export function isContextLengthError(failure: { message: string; status?: number; code?: string }): boolean {
  if (failure.code === "context_length_exceeded" || failure.code === "string_above_max_length") return true;
  if (failure.status === 413) return true;
  return /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long|exceeds? the (model's )?(maximum|context)/i.test(failure.message);
}

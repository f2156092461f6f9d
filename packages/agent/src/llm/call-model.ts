import OpenAI from "openai";
import type { ChunkSink, ModelOutput, ModelRequest } from "./model-request.ts";
import { streamChat } from "./stream-chat.ts";
import { streamResponses } from "./stream-responses.ts";

export interface ModelClientOptions {
  baseUrl?: string;
  apiKey?: string;
  /** Retries of the openai SDK for connection errors, 408/409/429 and 5xx before the first byte (default 0: the agent retries itself, with an event per retry). */
  maxRetries?: number;
  /** The fetch the client calls with (the agent passes its outbound policy's); the global one when omitted. */
  fetch?: (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

/** An OpenAI client for any OpenAI-compatible endpoint. Local servers need no key; a placeholder is sent. */
export function createModelClient(options: ModelClientOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseUrl ?? process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
    apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? "no-key",
    maxRetries: options.maxRetries ?? 0,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * Streams one model request over the chosen wire API.
 *
 * @example
 * const output = await streamModel(createModelClient({ baseUrl }), { api: "chat", model, systemPrompt, history, tools: [] },
 *   async (chunk) => console.log(chunk.text), AbortSignal.timeout(60_000));
 */
export function streamModel(client: OpenAI, request: ModelRequest, sink: ChunkSink, signal: AbortSignal, onResponse?: () => void): Promise<ModelOutput> {
  return request.api === "responses" ? streamResponses(client, request, sink, signal, onResponse) : streamChat(client, request, sink, signal, onResponse);
}

/** A failure as the fields of `agent-request-failed`: a message, and the HTTP status and code when there are. */
export function describeModelError(error: unknown): { message: string; status?: number; code?: string } {
  if (error instanceof OpenAI.APIConnectionError) {
    // "Connection error." alone hides why: a refusal of the outbound policy, a DNS failure, a reset.
    const cause = (error.cause as { message?: string } | undefined)?.message;
    return { message: `${error.message}${cause ? ` (${cause})` : ""}` };
  }
  if (error instanceof OpenAI.APIError) {
    return {
      message: error.message,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(typeof error.code === "string" ? { code: error.code } : {}),
    };
  }
  const cause = (error as { cause?: { message?: string } })?.cause?.message;
  return { message: `${(error as Error)?.message ?? String(error)}${cause ? ` (${cause})` : ""}` };
}

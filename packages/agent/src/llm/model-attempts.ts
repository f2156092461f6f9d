import OpenAI from "openai";
import { abortableSleep } from "../abortable-sleep.ts";
import type { ChunkSink, ModelOutput } from "./model-request.ts";

/** The timeouts and retries of one model request (all from the agent's config). */
export interface AttemptPolicy {
  connectTimeoutMs: number;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
}

/** A model request that went silent past one of its timeouts. */
export class ModelTimeoutError extends Error {
  readonly code = "model_timeout";
  constructor(message: string) {
    super(message);
    this.name = "ModelTimeoutError";
  }
}

export interface RetryNotice {
  /** The attempt about to start (2 for the first retry). */
  attempt: number;
  delayMs: number;
  error: string;
  status?: number;
}

const retriableStatus = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/** Timeouts, lost connections, 408/409/429/5xx: worth another attempt. Other 4xx are the request's fault. */
function retriable(error: unknown): boolean {
  if (error instanceof ModelTimeoutError || error instanceof OpenAI.APIConnectionError) return true;
  if (error instanceof OpenAI.APIError) return error.status !== undefined && retriableStatus(error.status);
  return error instanceof TypeError; // fetch's "fetch failed", a reset connection
}

function retryDelay(error: unknown, attempt: number, baseMs: number): number {
  const header = error instanceof OpenAI.APIError ? error.headers?.get("retry-after") : undefined;
  const seconds = header ? Number(header) : Number.NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(60_000, Math.round(seconds * 1000));
  return baseMs * 2 ** (attempt - 1);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs one model request with the agent's timeouts and retries:
 * 1. Each attempt has three clocks: `connectTimeoutMs` until the response headers, `firstTokenTimeoutMs`
 *    from the headers to the first token, `idleTimeoutMs` between chunks after it. A clock that runs out aborts the
 *    attempt with a `ModelTimeoutError` saying which.
 * 2. An attempt that failed before its first token (text or a tool call; preamble chunks such as a role do
 *    not count) with a timeout, a lost connection, 408, 409, 429 or a
 *    5xx is tried again, up to `maxRetries` times, after `retryDelayMs` doubled per retry (a provider's
 *    Retry-After wins, up to 60 s). `onRetry` is told first, so the stream can say why it waits.
 * 3. After the first token, a failure is final: the text already stored is the request's.
 * 4. When `signal` aborts (the run was cancelled or the agent stops), it rejects at once, without retrying.
 *
 * @example
 * const { output, attempts } = await withAttempts(policy, signal, sink, onRetry, (stop, onResponse, chunkSink) => streamModel(client, request, chunkSink, stop, onResponse));
 */
export async function withAttempts(
  policy: AttemptPolicy,
  signal: AbortSignal,
  sink: ChunkSink,
  onRetry: (notice: RetryNotice) => Promise<void>,
  attemptOnce: (signal: AbortSignal, onResponse: () => void, sink: ChunkSink) => Promise<ModelOutput>,
): Promise<{ output: ModelOutput; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const stop = AbortSignal.any([signal, controller.signal]);
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, message: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new ModelTimeoutError(message)), ms);
    };
    let chunks = 0;
    let tokens = 0;
    arm(policy.connectTimeoutMs, `no response headers within ${policy.connectTimeoutMs} ms (connectTimeoutMs)`);
    try {
      const output = await attemptOnce(
        stop,
        () => arm(policy.firstTokenTimeoutMs, `no first token within ${policy.firstTokenTimeoutMs} ms of the response headers (firstTokenTimeoutMs)`),
        async (chunk) => {
          chunks += 1;
          // Preamble chunks (a role, response.created) do not count as the first token; after it, any chunk is a sign of life.
          if (chunk.text !== undefined || chunk.toolCalls !== undefined) tokens += 1;
          if (tokens > 0) arm(policy.idleTimeoutMs, `the stream was silent for ${policy.idleTimeoutMs} ms after chunk ${chunks} (idleTimeoutMs)`);
          await sink(chunk);
        },
      );
      return { output, attempts: attempt };
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = controller.signal.aborted ? controller.signal.reason : error;
      if (tokens > 0 || attempt > policy.maxRetries || !retriable(failure))
        throw Object.assign(failure instanceof Error ? failure : new Error(messageOf(failure)), { attempts: attempt });
      const delayMs = retryDelay(failure, attempt, policy.retryDelayMs);
      await onRetry({
        attempt: attempt + 1,
        delayMs,
        error: messageOf(failure),
        ...(failure instanceof OpenAI.APIError && failure.status !== undefined ? { status: failure.status } : {}),
      });
      if (!(await abortableSleep(delayMs, signal))) throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

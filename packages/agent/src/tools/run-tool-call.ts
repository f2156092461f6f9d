import type { ProcessorAppend } from "@tributary/protocol";
import { agentEvent } from "../agent-event-types.ts";
import type { PendingAppends } from "./pending-appends.ts";

/** A call as `agent-tool-call-requested` carries it. */
export interface RequestedToolCall {
  callId: string;
  requestId: string;
  name: string;
  input: unknown;
  arguments: string;
}

export type ToolCallResult = { output: string; isError: boolean };

/**
 * Answers one tool call the way every tool processor does:
 * 1. `agent-tool-call-started`, then `execute` with a signal that aborts when the call is closed elsewhere
 *    (its `running` entry, keyed `<path>#<callId>`) or the processor stops;
 * 2. a throw becomes an error result naming the tool;
 * 3. a call closed by someone else meanwhile gets no result (it would be ignored); one whose process stopped
 *    gets `stoppedOutput`;
 * 4. `agent-tool-call-completed`, through `pending` so it survives a lost connection.
 * Idempotency keys are `<keyPrefix>-started:` and `<keyPrefix>:` plus the request and call ids.
 */
export async function runToolCall(options: {
  path: string;
  call: RequestedToolCall;
  append: ProcessorAppend;
  signal: AbortSignal;
  running: Map<string, AbortController>;
  pending: PendingAppends;
  keyPrefix: string;
  stoppedOutput: string;
  execute: (signal: AbortSignal) => Promise<ToolCallResult>;
}): Promise<void> {
  const { path, call, append, signal, running, keyPrefix } = options;
  const controller = new AbortController();
  const key = `${path}#${call.callId}`;
  running.set(key, controller);
  let result: ToolCallResult;
  try {
    await append({
      path,
      event: agentEvent(
        "agent-tool-call-started",
        { callId: call.callId, name: call.name },
        { idempotencyKey: `${keyPrefix}-started:${call.requestId}:${call.callId}` },
      ),
    });
    result = await options.execute(AbortSignal.any([controller.signal, signal]));
  } catch (error) {
    result = { output: `error: ${call.name} failed: ${(error as Error)?.message ?? String(error)}`, isError: true };
  } finally {
    running.delete(key);
  }
  if (controller.signal.aborted) return;
  if (signal.aborted) result = { output: options.stoppedOutput, isError: true };
  await options.pending.send(
    path,
    agentEvent(
      "agent-tool-call-completed",
      { callId: call.callId, name: call.name, ...result },
      { idempotencyKey: `${keyPrefix}:${call.requestId}:${call.callId}` },
    ),
    append,
  );
}

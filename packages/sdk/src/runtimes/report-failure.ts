import { errorMessage, failureReport, type StoredEvent } from "@tributary/protocol";
import type { EventsClient } from "../client/events-client.ts";
import type { RuntimeLogger } from "./runtime-logger.ts";

/**
 * Turns a failed side effect into a `stream/error-occurred` event on the stream it was handling
 * (failures are events, never silent), and logs it.
 *
 * 1. A failure while handling this processor's own error event is only logged: reporting it would loop.
 * 2. Under a durable consumer, the error event gets an idempotency key, so a redone effect that fails
 *    again does not store a second report of the same failure.
 * 3. If the report itself cannot be appended (a paused stream, the server gone), it is logged.
 *
 * @example
 * await reportFailure({ client, processor: "ping-pong", path: "/a", event, error, logger });
 */
export async function reportFailure(input: {
  client: EventsClient;
  processor: string;
  path: string;
  event: StoredEvent | undefined;
  error: unknown;
  logger: RuntimeLogger;
  consumer?: string | undefined;
}): Promise<void> {
  const { client, processor, path, event, logger } = input;
  const message = errorMessage(input.error);
  const where = event ? "afterAppend" : "onCaughtUp";
  logger.error(`${where} failed`, { path, offset: event?.offset, error: input.error instanceof Error ? (input.error.stack ?? message) : message });
  const payload = failureReport(processor, input.error, event);
  if (!payload) return;
  try {
    await client.append({
      path,
      event: {
        type: "stream/error-occurred",
        payload,
        metadata: { processor },
        ...(input.consumer && event ? { idempotencyKey: `${input.consumer}:error:${event.offset}` } : {}),
      },
    });
  } catch (appendError) {
    logger.error("could not append the failure as an event", { path, error: String(appendError) });
  }
}

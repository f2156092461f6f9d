import { TributaryError } from "@tributary/protocol";
import { toEvent } from "../../append/parse-append-body.ts";
import { checkJsonDepth } from "../../http/json-depth.ts";
import type { EventRecord, PreparedEvent } from "../../store/stream-store.ts";
import type { DurableStreamMeta } from "../../store/durable-stream-meta-store.ts";

/** The event type a byte stream's appends are stored as (in the shadow project only). */
export const bytesEventType = "bytes";

/**
 * A DS append body as events.
 * 1. Byte streams: the whole body is one event, its bytes in base64.
 * 2. JSON streams (§9): the body is one JSON value; a top-level array is flattened one level (its items
 *    are the messages), anything else is one message. Each message lands as itself when it is a valid
 *    Tributary event (`{"type": …}`), and otherwise as `stream/invalid-event-appended` carrying it, exactly
 *    like a webhook body the event API receives. An empty array is refused, except on create.
 */
export function eventsFromBody(kind: DurableStreamMeta["kind"], body: Uint8Array, options: { maxEventBytes: number; allowEmpty: boolean }): PreparedEvent[] {
  if (kind === "bytes") {
    if (body.length > options.maxEventBytes) {
      throw new TributaryError("event_too_large", `An append is ${body.length} bytes; the limit is ${options.maxEventBytes}.`, {
        limit: options.maxEventBytes,
      });
    }
    return [{ type: bytesEventType, payload: { base64: Buffer.from(body).toString("base64") } }];
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (error) {
    throw new TributaryError("invalid_json", `The body of an append to a JSON stream must be JSON (${(error as Error).message}).`);
  }
  checkJsonDepth(value);
  const messages = Array.isArray(value) ? value : [value];
  if (messages.length === 0 && !options.allowEmpty) {
    throw new TributaryError("invalid_json", "An empty JSON array appends nothing; send at least one message.");
  }
  return messages.map((message) => toEvent(message, "application/json", { strict: false, maxEventBytes: options.maxEventBytes }));
}

const invalidPrefix = '{"type":"stream/invalid-event-appended",';

/**
 * A stored event as a JSON-stream message: the stored envelope, except `stream/invalid-event-appended`,
 * which is the value that was sent (`payload.rawInput`), so non-event messages read back as written.
 * Stored envelopes begin with their `type`, which keeps the common case free of parsing.
 */
export function messageOf(record: EventRecord): string {
  if (!record.json.startsWith(invalidPrefix)) return record.json;
  const event = JSON.parse(record.json) as { payload: { rawInput?: unknown } };
  return JSON.stringify(event.payload.rawInput ?? null);
}

/** A stored event of a byte stream as its bytes; events that are not appends (bookkeeping) carry none. */
export function bytesOf(record: EventRecord): Buffer | undefined {
  if (!record.json.startsWith(`{"type":"${bytesEventType}",`)) return undefined;
  const event = JSON.parse(record.json) as { payload: { base64: string } };
  return Buffer.from(event.payload.base64, "base64");
}

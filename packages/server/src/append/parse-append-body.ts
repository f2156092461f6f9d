import { builtinEventTypes, describeIssues, eventInputSchema, isReservedType, TributaryError } from "@tributary/protocol";
import { invalidPayload } from "./invalid-payload.ts";
import { checkJsonDepth } from "../http/json-depth.ts";
import type { PreparedEvent } from "../store/stream-store.ts";

export interface ParseOptions {
  /** Refuse a body that is not a valid event with 400 instead of storing it as `stream/invalid-event-appended`. */
  strict: boolean;
  maxEventBytes: number;
}

/**
 * Turns an append request body into events to store.
 *
 * A body may be a bare event, `{ "event": {...} }`, or `{ "events": [...] }` (stored atomically).
 * Anything else (not JSON, form-encoded, no `type`, wrong shapes) is not refused: it is stored as a
 * `stream/invalid-event-appended` event carrying the raw input, so any webhook can post to a stream.
 * Exceptions, answered with 4xx and nothing stored:
 * 1. strict mode, where an invalid body is refused;
 * 2. a built-in type whose payload does not match its schema (the intent is clear; say what to fix);
 * 3. a server-only or unknown type in a reserved namespace;
 * 4. an event larger than the event size limit;
 * 5. JSON nested deeper than `maxJsonDepth` (it could not be stored or read back).
 */
export function parseAppendBody(text: string, contentType: string, options: ParseOptions): { events: PreparedEvent[]; batch: boolean } {
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/x-www-form-urlencoded" || mediaType === "multipart/form-data") {
    const fields = mediaType === "multipart/form-data" ? text : Object.fromEntries(new URLSearchParams(text));
    return { events: [invalid(fields, "A form-encoded body is not an event; send JSON with a 'type'.", contentType, options)], batch: false };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === "" ? "The body is empty" : `The body is not valid JSON (${(error as Error).message})`;
    return { events: [invalid(text, `${reason}; send a JSON event such as {"type":"hello-world"}.`, contentType, options)], batch: false };
  }
  checkJsonDepth(value, text.length);
  const sizeChecked = withinEventLimit(text, options.maxEventBytes);
  if (isObject(value) && !("type" in value) && Array.isArray(value.events)) {
    if (value.events.length === 0) throw new TributaryError("invalid_event", "events must hold at least one event.");
    if (Object.keys(value).length > 1) {
      return { events: [invalid(value, "A batch body may hold only 'events'.", contentType, options)], batch: false };
    }
    return { events: value.events.map((item) => toEvent(item, contentType, options, sizeChecked)), batch: true };
  }
  if (isObject(value) && !("type" in value) && "event" in value && Object.keys(value).length === 1) {
    return { events: [toEvent(value.event, contentType, options, sizeChecked)], batch: false };
  }
  return { events: [toEvent(value, contentType, options, sizeChecked)], batch: false };
}

/** One parsed JSON value as an event: itself when it is a valid event, else `stream/invalid-event-appended` (or 400 in strict mode). */
export function toEvent(value: unknown, contentType: string, options: ParseOptions, sizeChecked = false): PreparedEvent {
  let input: { type: string; idempotencyKey?: string | undefined; offset?: number | undefined };
  if (isPlainEventInput(value)) input = value;
  else {
    const parsed = eventInputSchema.safeParse(value);
    if (!parsed.success) return invalid(value, describeIssues(parsed.error), contentType, options);
    input = parsed.data;
  }
  // zod's record copies keys by assignment, which turns a "__proto__" key into the copy's prototype (and
  // drops it from the stored JSON); the validated input's own objects are stored as they were sent.
  const sent = value as { payload?: Record<string, unknown>; metadata?: Record<string, unknown> };
  const event: PreparedEvent = { type: input.type, payload: sent.payload ?? {} };
  if (sent.metadata !== undefined) event.metadata = sent.metadata;
  if (input.idempotencyKey !== undefined) event.idempotencyKey = input.idempotencyKey;
  if (input.offset !== undefined) event.offset = input.offset;
  checkBuiltin(event);
  if (!sizeChecked) checkSize(event, options.maxEventBytes);
  return event;
}

const inputKeys = new Set(["type", "payload", "metadata", "idempotencyKey", "offset"]);

/**
 * What `eventInputSchema` accepts, checked by hand for the common case (zod's object and record parse
 * copied every payload key, per event): true only for input the schema accepts; anything else (and
 * every refusal, for its message) goes through the schema.
 */
function isPlainEventInput(value: unknown): value is { type: string; payload?: Record<string, unknown>; idempotencyKey?: string; offset?: number } {
  if (!isObject(value)) return false;
  for (const key in value) if (!inputKeys.has(key)) return false;
  const { type, payload, metadata, idempotencyKey, offset } = value;
  if (typeof type !== "string" || type.length < 1 || type.length > 512) return false;
  if (payload !== undefined && !isObject(payload)) return false;
  if (metadata !== undefined && !isObject(metadata)) return false;
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== "string" || idempotencyKey.length < 1 || idempotencyKey.length > 512)) return false;
  if (offset !== undefined && !(typeof offset === "number" && Number.isSafeInteger(offset) && offset > 0)) return false;
  return true;
}

/** Validates a built-in type's payload against its schema; refuses server-only and unknown reserved types. */
export function checkBuiltin(event: PreparedEvent): void {
  const builtin = builtinEventTypes.get(event.type);
  if (!builtin) {
    if (isReservedType(event.type)) {
      throw new TributaryError(
        "reserved_type",
        `${event.type} is not a built-in event type, and its namespace is reserved for built-ins. See /api/docs/events for the built-in types.`,
      );
    }
    return;
  }
  if (builtin.appendedBy === "server") {
    throw new TributaryError("reserved_type", `${event.type} is appended only by the server.`);
  }
  const result = builtin.payload.safeParse(event.payload);
  if (!result.success) {
    throw invalidPayload(event.type, `${describeIssues(result.error)}.`);
  }
}

function invalid(rawInput: unknown, error: string, contentType: string, options: ParseOptions): PreparedEvent {
  if (options.strict) throw new TributaryError("invalid_event", `Not a valid event: ${error}`, { rawInput });
  const payload: Record<string, unknown> = { rawInput, error };
  if (contentType) payload.contentType = contentType;
  const event: PreparedEvent = { type: "stream/invalid-event-appended", payload };
  checkSize(event, options.maxEventBytes);
  return event;
}

/**
 * Whether no event of a body this size can exceed the limit, so that the per-event check (a
 * JSON.stringify each) can be skipped. An event's JSON is at most 6 times the body's bytes plus the
 * `"payload":{}` it may gain: strings and whitespace only shrink when parsed and written again, and a
 * number grows at most from 4 characters to 21 (`1e20`).
 */
function withinEventLimit(text: string, maxEventBytes: number): boolean {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit, so the check needs no byte count for most bodies.
  return text.length * 3 * 6 + 64 <= maxEventBytes || Buffer.byteLength(text) * 6 + 64 <= maxEventBytes;
}

function checkSize(event: PreparedEvent, maxEventBytes: number): void {
  const size = Buffer.byteLength(JSON.stringify(event));
  if (size > maxEventBytes) {
    throw new TributaryError("event_too_large", `An event is ${size} bytes; the limit is ${maxEventBytes}.`, { limit: maxEventBytes });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

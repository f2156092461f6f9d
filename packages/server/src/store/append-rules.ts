import { ancestorPaths, TributaryError, type StoredEvent, type StreamPath } from "@tributary/protocol";
import type { AppendedEvent, AppendRequest, PreparedEvent } from "./event-log.ts";
import { markedNamespaceOf, type MarkedNamespace } from "./mark-store.ts";

/** One event a backend must write, in order: the row, its idempotency key (if any) and its mark (if any). */
export interface PlannedWrite {
  path: StreamPath;
  event: StoredEvent;
  json: string;
  /** The namespace to mark the stream for (guarantee 8), when the event's type is in one. */
  mark: MarkedNamespace | undefined;
}

export interface AppendPlan {
  /** What `append` answers, one per requested event. */
  events: AppendedEvent[];
  /** The events to store, in offset order per stream. */
  writes: PlannedWrite[];
  /** Every stream whose head moved, with its new last offset. */
  heads: Map<StreamPath, number>;
}

/**
 * The rules of an append that every backend shares, as one pure function each backend calls inside its
 * transaction, after it has created the missing streams and locked the heads it reads through
 * `lastOffsetOf`. The backend then writes `plan.writes` and `plan.heads` and nothing else.
 *
 * 1. Envelopes are built here (`buildEvent`): the stored shape is the same whatever the backend.
 * 2. An idempotency key already stored on the target (`originals`), or used earlier in the same request,
 *    answers the stored event with `replayed: true` and stores nothing (guarantee 3).
 * 3. An `offset` precondition that does not match the next offset fails the whole request (guarantee 4).
 * 4. Every ancestor of every stream the append creates gets `stream/child-created {childPath}` (guarantee 5).
 *
 * @example
 * const plan = planAppend({ request, createdPaths, originals, createdAt, lastOffsetOf: (path) => rows.get(path)!.lastOffset });
 */
export function planAppend(input: {
  request: AppendRequest;
  /** The streams this append creates (the target and missing ancestors), in any order. */
  createdPaths: readonly StreamPath[];
  /** The stored JSON of earlier events on the target, by idempotency key (only keys the request uses need be here). */
  originals: ReadonlyMap<string, string>;
  createdAt: string;
  /** A stream's last offset inside the transaction (0 for one created by this append). */
  lastOffsetOf(path: StreamPath): number;
}): AppendPlan {
  const { request, createdAt } = input;
  const heads = new Map<StreamPath, number>();
  const writes: PlannedWrite[] = [];
  const head = (path: StreamPath) => heads.get(path) ?? input.lastOffsetOf(path);
  const write = (path: StreamPath, envelope: PreparedEvent): PlannedWrite => {
    const offset = head(path) + 1;
    const { event, json } = buildEvent(path, offset, envelope, createdAt);
    const planned = { path, event, json, mark: markedNamespaceOf(event.type) };
    writes.push(planned);
    heads.set(path, offset);
    return planned;
  };

  const startOffset = head(request.path);
  const keysInRequest = new Map<string, string>();
  const events: AppendedEvent[] = [];
  for (const input_ of request.events) {
    const key = input_.idempotencyKey;
    const original = key === undefined ? undefined : (input.originals.get(key) ?? keysInRequest.get(key));
    if (original !== undefined) {
      events.push({ event: JSON.parse(original) as StoredEvent, json: original, replayed: true });
      continue;
    }
    checkOffsetPrecondition(input_, head(request.path) + 1, startOffset);
    const planned = write(request.path, input_);
    if (key !== undefined) keysInRequest.set(key, planned.json);
    events.push({ event: planned.event, json: planned.json, replayed: false });
  }

  const created = [...input.createdPaths].sort((a, b) => a.length - b.length);
  for (const path of created) {
    for (const ancestor of ancestorPaths(path)) write(ancestor, { type: "stream/child-created", payload: { childPath: path } });
  }
  return { events, writes, heads };
}

/** The `stream/child-deleted` events a deletion appends to the ancestors that remain, nearest first. */
export function planChildDeleted(path: StreamPath, remainingAncestors: { path: StreamPath; lastOffset: number }[], createdAt: string): PlannedWrite[] {
  return remainingAncestors.map((ancestor) => ({
    path: ancestor.path,
    ...buildEvent(ancestor.path, ancestor.lastOffset + 1, { type: "stream/child-deleted", payload: { childPath: path } }, createdAt),
    mark: undefined,
  }));
}

/** The stored envelope of one event: these keys, in this order (its JSON is what every backend stores). */
function envelope(path: StreamPath, offset: number, input: PreparedEvent, createdAt: string): StoredEvent {
  const event: StoredEvent = { type: input.type, payload: input.payload, streamPath: path, offset, createdAt };
  if (input.metadata !== undefined) event.metadata = input.metadata;
  if (input.idempotencyKey !== undefined) event.idempotencyKey = input.idempotencyKey;
  if (input.appendedBy !== undefined) event.appendedBy = input.appendedBy;
  return event;
}

/** The stored envelope of one event, and its JSON (what reads and fan-out send as it is). */
export function buildEvent(path: StreamPath, offset: number, input: PreparedEvent, createdAt: string): { event: StoredEvent; json: string } {
  const event = envelope(path, offset, input, createdAt);
  return { event, json: JSON.stringify(event) };
}

/**
 * `buildEvent` for a store that learns the offset only in the database (PostgreSQL's batch statement):
 * the envelope with offset 0, and its JSON in two parts, `head + offset + tail` being `buildEvent`'s JSON
 * byte for byte, each serialised once (`undefined` fields left out, as `JSON.stringify` leaves them out).
 */
export function buildEventParts(path: StreamPath, input: PreparedEvent, createdAt: string): { event: StoredEvent; head: string; tail: string } {
  const head = `{"type":${JSON.stringify(input.type)},"payload":${JSON.stringify(input.payload)},"streamPath":${JSON.stringify(path)},"offset":`;
  const tail = `,${JSON.stringify({ createdAt, metadata: input.metadata, idempotencyKey: input.idempotencyKey, appendedBy: input.appendedBy }).slice(1)}`;
  return { event: envelope(path, 0, input, createdAt), head, tail };
}

/** Guarantee 4: an event that names the offset it must get fails the request when the stream moved on. */
export function checkOffsetPrecondition(input: PreparedEvent, nextOffset: number, startOffset: number): void {
  if (input.offset === undefined || input.offset === nextOffset) return;
  throw new TributaryError("offset_conflict", `The event was to get offset ${input.offset}, but the stream's next offset is ${nextOffset}.`, {
    currentOffset: startOffset,
  });
}

/** A fork's `atOffset` must be a whole number from 0 to the source's last offset. */
export function checkForkOffset(atOffset: number, lastOffset: number): void {
  if (atOffset > lastOffset) {
    throw new TributaryError(
      "invalid_request",
      `atOffset ${atOffset} is past the last offset ${lastOffset} of the source; fork at an offset from 0 to ${lastOffset}.`,
      {
        lastOffset,
      },
    );
  }
}

export function forkTargetExists(to: StreamPath): TributaryError {
  return new TributaryError("stream_exists", `${to} already exists; fork to a path that has no stream yet.`);
}

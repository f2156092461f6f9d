import { parseStreamPath, TributaryError, type StreamPath } from "@tributary/protocol";
import type { ServerParts } from "../../context.ts";
import type { DurableStreamMeta } from "../../store/durable-stream-meta-store.ts";
import type { EventRecord, PreparedEvent } from "../../store/stream-store.ts";
import { copiesUpTo } from "../fork-stream.ts";
import { appendEvents } from "./ds-append-events.ts";
import { streamKey, type DurableStreamsFace } from "./ds-face.ts";
import { dsHeader, mediaTypeOf } from "./ds-headers.ts";
import { bytesEventType, bytesOf, eventsFromBody } from "./ds-messages.ts";
import { parseDsOffset } from "./ds-offset.ts";
import { removeDsStream } from "./ds-remove.ts";
import { findDsStream, locate, newMeta, requireLive, type DsStream } from "./ds-stream.ts";

/** A PUT's configuration (ds-create.ts parses it); here because a fork is created from one. */
export interface CreateRequest {
  contentType: string | undefined;
  ttlSeconds: number | undefined;
  expiresAt: string | undefined;
  closed: boolean;
  fork: ForkRequest | undefined;
}

export interface ForkRequest {
  source: StreamPath;
  /** Omitted: the source's tail at creation. */
  offset: number | undefined;
  subOffset: number;
}

const routePrefix = "/v1/stream";

/** The fork headers of a PUT (§4.2), or `undefined` for a plain create. */
export function parseForkRequest(get: (name: string) => string | undefined): ForkRequest | undefined {
  const from = get(dsHeader.forkedFrom);
  const rawOffset = get(dsHeader.forkOffset);
  const rawSub = get(dsHeader.forkSubOffset);
  if (from === undefined) {
    if (rawOffset !== undefined || rawSub !== undefined) {
      throw new TributaryError("invalid_request", "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From.");
    }
    return undefined;
  }
  const sourcePath = from.startsWith(`${routePrefix}/`) ? from.slice(routePrefix.length) : from;
  let offset: number | undefined;
  if (rawOffset !== undefined) {
    const parsed = parseDsOffset(rawOffset, "Stream-Fork-Offset");
    if (parsed === "now") throw new TributaryError("invalid_request", "Stream-Fork-Offset must be an offset, not now.");
    offset = parsed;
  }
  let subOffset = 0;
  if (rawSub !== undefined) {
    if (!/^\d{1,15}$/.test(rawSub))
      throw new TributaryError("invalid_request", `Stream-Fork-Sub-Offset must be a non-negative integer; got ${JSON.stringify(rawSub)}.`);
    subOffset = Number(rawSub);
    if (subOffset > 0 && offset === undefined) throw new TributaryError("invalid_request", "Stream-Fork-Sub-Offset needs Stream-Fork-Offset.");
  }
  return { source: parseStreamPath(sourcePath), offset, subOffset };
}

/**
 * Creates a fork by copying (§4.2 allows copy-on-fork): the source's events up to the fork offset are
 * copied into the fork inside the store (`EventLog.fork`, one statement per table), so the fork's offsets
 * are the source's up to there, and after that it is an
 * independent stream whose reads, live modes and deletion need no stitching. A sub-offset takes part of
 * the next append: for bytes its first bytes, for JSON its next messages. The source counts its forks, so
 * deleting it while they live only soft-deletes it. Producer and `Stream-Seq` state start fresh.
 */
export async function createFork(
  parts: ServerParts,
  face: DurableStreamsFace,
  project: string,
  path: StreamPath,
  request: CreateRequest,
  body: Uint8Array,
): Promise<DsStream> {
  const fork = request.fork!;
  return face.serialise(streamKey(project, fork.source), async () => {
    const found = await findDsStream(parts, project, fork.source, (expired) => removeDsStream(parts, face, expired));
    if (found?.meta.softDeleted) throw new TributaryError("stream_config_conflict", `The source ${fork.source} was deleted; it cannot be forked.`);
    const source = requireLive(found, fork.source);
    const contentType = request.contentType ?? source.meta.contentType;
    if (mediaTypeOf(contentType) !== mediaTypeOf(source.meta.contentType)) {
      throw new TributaryError("stream_config_conflict", `A fork has its source's content type (${source.meta.contentType}).`);
    }
    const offset = fork.offset ?? source.tail;
    if (offset > source.tail) throw new TributaryError("invalid_request", `Stream-Fork-Offset is past the source's tail.`);
    const partial = await subOffsetEvents(parts, source, offset, fork.subOffset);

    const meta: DurableStreamMeta = {
      ...newMeta(source.meta.kind, contentType, request.closed),
      fork: { source: fork.source, offset, subOffset: fork.subOffset },
    };
    // Expiry (§4.2's table): the fork's own when it asks for one, else the source's.
    if (request.ttlSeconds !== undefined) meta.ttlSeconds = request.ttlSeconds;
    else if (request.expiresAt !== undefined) meta.expiresAt = request.expiresAt;
    else if (source.meta.ttlSeconds !== undefined) meta.ttlSeconds = source.meta.ttlSeconds;
    else if (source.meta.expiresAt !== undefined) meta.expiresAt = source.meta.expiresAt;

    const stream: DsStream = { project, path, meta, implicit: false, ...locate(project, path, meta.kind), tail: 0 };
    const own = body.length === 0 ? [] : eventsFromBody(meta.kind, body, { maxEventBytes: parts.limits.maxEventBytes, allowEmpty: true });
    // The copies' schedules and subscriptions count against the project's quotas (builtin-gate.ts, 5).
    await parts.appender.admitFork(
      stream.storeProject,
      stream.storePath,
      withPartial(copiesUpTo(parts.store, source.storeProject, source.storePath, offset), partial),
    );
    // The prefix is copied inside the store (EventLog.fork, as POST /api/streams/<path>/fork does); the
    // sub-offset's part of the next append follows it in the same transaction.
    // A source that never stored an event (an empty stream is its record alone) has nothing to copy.
    const stored = await parts.store.info(source.storeProject, source.storePath);
    const forked =
      stored === undefined
        ? { events: [] }
        : await parts.store.fork({
            project: stream.storeProject,
            from: source.storePath,
            atOffset: offset,
            to: stream.storePath,
            events: partial.map((event) => ({ ...event, appendedBy: { kind: "processor", slug: "server" } })),
            idempotencyKeys: "drop",
          });
    const copied = forked.events.at(-1)?.event.offset ?? offset;
    const tail = await appendEvents(parts, { ...stream, tail: copied }, own);
    await parts.store.putDurableStream(project, path, meta);
    await parts.store.putDurableStream(project, fork.source, { ...source.meta, forks: source.meta.forks + 1 });
    return { ...stream, tail };
  });
}

async function* withPartial(copies: AsyncIterable<PreparedEvent>, partial: PreparedEvent[]): AsyncIterable<PreparedEvent> {
  yield* copies;
  yield* partial;
}

async function subOffsetEvents(parts: ServerParts, source: DsStream, offset: number, subOffset: number): Promise<PreparedEvent[]> {
  if (subOffset === 0) return [];
  const overshoot = () => new TributaryError("invalid_request", `Stream-Fork-Sub-Offset ${subOffset} is past the next append of the source.`);
  if (source.meta.kind === "events") {
    if (offset + subOffset > source.tail) throw overshoot();
    const page = await parts.store.read(source.storeProject, source.storePath, { afterOffset: offset, limit: subOffset });
    return page.map(copyOf);
  }
  const [next] = await parts.store.read(source.storeProject, source.storePath, { afterOffset: offset, limit: 1 });
  const bytes = next ? bytesOf(next) : undefined;
  if (!bytes || subOffset > bytes.length) throw overshoot();
  return [{ type: bytesEventType, payload: { base64: bytes.subarray(0, subOffset).toString("base64") } }];
}

function copyOf(record: EventRecord): PreparedEvent {
  const event = JSON.parse(record.json) as PreparedEvent;
  const copy: PreparedEvent = { type: event.type, payload: event.payload };
  if (event.metadata !== undefined) copy.metadata = event.metadata;
  return copy;
}

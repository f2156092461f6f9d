import { TributaryError, type StreamPath } from "@tributary/protocol";
import { projectOf, type AppContext } from "../../context.ts";
import type { DurableStreamMeta } from "../../store/durable-stream-meta-store.ts";
import { faceOf, streamKey } from "./ds-face.ts";
import { createFork, parseForkRequest, type CreateRequest } from "./ds-fork.ts";
import { dsHeader, isClosedHeader, isJsonContentType, mediaTypeOf, parseExpiresAt, parseTtl } from "./ds-headers.ts";
import { appendEvents } from "./ds-append-events.ts";
import { eventsFromBody } from "./ds-messages.ts";
import { readDsBody } from "./ds-body.ts";
import { removeDsStream } from "./ds-remove.ts";
import { setStreamHeaders, streamUrlOf } from "./ds-respond.ts";
import { findDsStream, locate, newMeta, type DsStream } from "./ds-stream.ts";
import { withProvenance } from "../../auth/provenance.ts";

/**
 * PUT: create a stream, or confirm one with the same configuration (§5.1: 201 created, 200 same, 409
 * different). A JSON stream is the Tributary event stream at the same path; any other content type is a
 * byte stream in the shadow project. With `Stream-Forked-From`, a fork (ds-fork.ts).
 */
export async function createDurableStream(c: AppContext, path: StreamPath) {
  const { parts } = c.var;
  const face = faceOf(parts);
  const project = projectOf(c);
  const request = parseCreateRequest(c);
  const body = await readDsBody(c);
  const stream = await face.serialise(streamKey(project, path), async () => {
    const existing = await findDsStream(parts, project, path, (expired) => removeDsStream(parts, face, expired));
    if (existing) {
      if (existing.meta.softDeleted) {
        throw new TributaryError("stream_config_conflict", `The stream at ${path} was deleted while forks of it live; its path cannot be reused yet.`);
      }
      if (!sameConfig(existing.meta, request)) {
        throw new TributaryError(
          "stream_config_conflict",
          `A stream exists at ${path} with a different configuration (content type, TTL, expiry, closure or fork).`,
        );
      }
      return { stream: existing, created: false };
    }
    if (request.fork) return { stream: await createFork(parts, face, project, path, request, body), created: true };
    return { stream: await createPlain(c, project, path, request, body), created: true };
  });
  setStreamHeaders(c, stream.stream);
  if (!stream.created) return c.body(null, 200);
  c.header("location", streamUrlOf(c));
  return c.body(null, 201);
}

function parseCreateRequest(c: AppContext): CreateRequest {
  const rawType = c.req.header("content-type");
  const ttlSeconds = parseTtl(c.req.header(dsHeader.ttl));
  const expiresAt = parseExpiresAt(c.req.header(dsHeader.expiresAt));
  if (ttlSeconds !== undefined && expiresAt !== undefined) {
    throw new TributaryError("invalid_request", "Send Stream-TTL or Stream-Expires-At, not both.");
  }
  return {
    contentType: rawType === undefined || rawType.trim() === "" ? undefined : rawType,
    ttlSeconds,
    expiresAt,
    closed: isClosedHeader(c.req.header(dsHeader.closed)),
    fork: parseForkRequest((name) => c.req.header(name)),
  };
}

function sameConfig(meta: DurableStreamMeta, request: CreateRequest): boolean {
  const contentType = request.contentType ?? (request.fork ? meta.contentType : "application/octet-stream");
  if (mediaTypeOf(contentType) !== mediaTypeOf(meta.contentType)) return false;
  if (request.fork) {
    if (!meta.fork || meta.fork.source !== request.fork.source || meta.fork.subOffset !== request.fork.subOffset) return false;
    if (request.fork.offset !== undefined && request.fork.offset !== meta.fork.offset) return false;
  } else {
    if (meta.fork) return false;
    if (meta.ttlSeconds !== request.ttlSeconds) return false;
    if ((meta.expiresAt === undefined) !== (request.expiresAt === undefined)) return false;
    if (meta.expiresAt !== undefined && Date.parse(meta.expiresAt) !== Date.parse(request.expiresAt!)) return false;
  }
  return meta.closed === request.closed;
}

async function createPlain(c: AppContext, project: string, path: StreamPath, request: CreateRequest, body: Uint8Array): Promise<DsStream> {
  const { parts } = c.var;
  const contentType = request.contentType ?? "application/octet-stream";
  const kind = isJsonContentType(contentType) ? "events" : "bytes";
  const meta = newMeta(kind, contentType, request.closed);
  if (request.ttlSeconds !== undefined) meta.ttlSeconds = request.ttlSeconds;
  if (request.expiresAt !== undefined) meta.expiresAt = request.expiresAt;
  const stream: DsStream = { project, path, meta, implicit: false, ...locate(project, path, kind), tail: 0 };
  const events = body.length === 0 ? [] : eventsFromBody(kind, body, { maxEventBytes: parts.limits.maxEventBytes, allowEmpty: true });
  const tail = await appendEvents(parts, stream, withProvenance(c, events));
  await parts.store.putDurableStream(project, path, meta);
  return { ...stream, tail };
}

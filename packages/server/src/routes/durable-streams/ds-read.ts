import { TributaryError, type StreamPath } from "@tributary/protocol";
import { projectOf, type AppContext } from "../../context.ts";
import { responseCursor } from "./ds-cursor.ts";
import { faceOf, streamKey } from "./ds-face.ts";
import { dsHeader } from "./ds-headers.ts";
import { formatDsOffset, parseDsOffset, type DsReadStart } from "./ds-offset.ts";
import { pageBody, readDsPage } from "./ds-read-page.ts";
import { removeDsStream } from "./ds-remove.ts";
import { streamSse } from "./ds-sse.ts";
import { findDsStream, requireLive, type DsStream } from "./ds-stream.ts";

/**
 * GET: catch-up (§5.6), long-poll (§5.7) and SSE (§5.8) reads. Opening the stream touches its sliding
 * TTL under the stream's lock; the read and any wait happen outside it, so readers never hold up writers.
 */
export async function readDurableStream(c: AppContext, path: StreamPath) {
  const { parts } = c.var;
  const face = faceOf(parts);
  const project = projectOf(c);
  const offsets = c.req.queries("offset") ?? [];
  if (offsets.length > 1) throw new TributaryError("invalid_query", "Send one offset parameter.");
  const rawOffset = offsets[0];
  if (rawOffset === "") throw new TributaryError("invalid_query", "offset must not be empty; use -1 for the beginning.");
  const start: DsReadStart | undefined = rawOffset === undefined ? undefined : parseDsOffset(rawOffset);
  const live = c.req.query("live");
  if (live !== undefined && live !== "long-poll" && live !== "sse") {
    throw new TributaryError("invalid_query", `live must be long-poll or sse; got ${JSON.stringify(live)}.`);
  }
  if (live !== undefined && start === undefined)
    throw new TributaryError("invalid_query", `live=${live} needs an offset (-1 for the beginning, now for the tail).`);
  const cursor = c.req.query("cursor");

  const stream = await face.serialise(streamKey(project, path), async () => {
    const found = requireLive(await findDsStream(parts, project, path, (expired) => removeDsStream(parts, face, expired)), path);
    if (found.meta.ttlSeconds !== undefined && !found.implicit) {
      found.meta = { ...found.meta, touchedAt: Date.now() };
      await parts.store.putDurableStream(project, path, found.meta);
    }
    return found;
  });
  const after = start === undefined ? 0 : start === "now" ? stream.tail : start;
  if (live === "sse") return streamSse(c, stream, after, cursor);

  c.header("content-type", stream.meta.contentType);
  if (start === "now" && live === undefined) {
    c.header(dsHeader.nextOffset, formatDsOffset(stream.tail));
    c.header(dsHeader.upToDate, "true");
    c.header("cache-control", "no-store");
    if (stream.meta.closed) c.header(dsHeader.closed, "true");
    return c.body(stream.meta.kind === "events" ? "[]" : "", 200);
  }

  let current = stream;
  let page = await readDsPage(parts, current, after);
  if (live === "long-poll" && page.next === after && after >= current.tail) {
    c.header(dsHeader.nextOffset, formatDsOffset(after));
    c.header(dsHeader.upToDate, "true");
    if (current.meta.closed) {
      c.header(dsHeader.closed, "true");
      return c.body(null, 204);
    }
    const waited = await waitForData(c, current, after);
    c.header(dsHeader.cursor, responseCursor(cursor));
    if (!waited) return c.body(null, 204);
    current = waited;
    if (current.meta.closed && current.tail <= after) {
      c.header(dsHeader.closed, "true");
      return c.body(null, 204);
    }
    page = await readDsPage(parts, current, after);
  }

  const upToDate = page.next >= current.tail;
  const closedAtTail = current.meta.closed && upToDate;
  c.header(dsHeader.nextOffset, formatDsOffset(page.next));
  if (live === "long-poll") c.header(dsHeader.cursor, responseCursor(cursor));
  if (upToDate) c.header(dsHeader.upToDate, "true");
  if (closedAtTail) c.header(dsHeader.closed, "true");
  // §10.1: the ETag names the range and, at the tail of a closed stream, the closure.
  const etag = `"${Buffer.from(`${project}:${path}`).toString("base64url")}:${rawOffset ?? "-1"}:${page.next}${closedAtTail ? ":c" : ""}"`;
  c.header("etag", etag);
  if (c.req.header("if-none-match") === etag) return c.body(null, 304);
  const body = pageBody(current, page);
  return c.body(typeof body === "string" ? body : new Uint8Array(body), 200);
}

/** Waits up to the long-poll timeout for data after `after` (or a close); resolves the stream as it is then, or `undefined` on timeout. */
async function waitForData(c: AppContext, stream: DsStream, after: number): Promise<DsStream | undefined> {
  const { parts } = c.var;
  const face = faceOf(parts);
  const deadline = Date.now() + face.longPollMs;
  const aborted = c.req.raw.signal;
  while (Date.now() < deadline && !aborted.aborted) {
    const wait = face.waitForChange(streamKey(stream.storeProject, stream.storePath), deadline - Date.now(), aborted);
    const now = await findDsStream(parts, stream.project, stream.path, async (expired) => expired);
    if (!now || now.meta.softDeleted) {
      wait.cancel();
      throw new TributaryError("stream_not_found", `The stream at ${stream.path} was deleted.`);
    }
    if (now.tail > after || now.meta.closed) {
      wait.cancel();
      return now;
    }
    if (!(await wait.promise)) {
      if (Date.now() >= deadline || aborted.aborted) return undefined;
    }
  }
  return undefined;
}

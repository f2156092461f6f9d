import { Hono } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { lowerBound, parseOffsetCursor, requestHeaders, TributaryError, upperBound } from "@tributary/protocol";
import { withProvenance } from "../auth/provenance.ts";
import { dataHeaderObject, securedResponse } from "../browser/security-headers.ts";
import { requireScopes } from "../auth/require-scopes.ts";
import { parseAppendBody } from "../append/parse-append-body.ts";
import { requestText } from "../http/request-text.ts";
import { projectOf, streamPathOf, type AppContext, type AppEnv } from "../context.ts";
import { writeStream } from "../live/stream-writer.ts";
import { forkStream, isForkRequest } from "./fork-stream.ts";
import { parseEventFilter } from "../read/event-filter.ts";
import { scanFiltered } from "../read/scan-filtered.ts";
import { jsonPageBody } from "../read/json-page-body.ts";
import type { LiveFormat } from "../live/live-hub.ts";

const prefix = "/api/streams";
const replayHeader = "tributary-idempotent-replay";
// An append's own headers, one object each (securedResponse merges the security headers in once per object).
const appendedHeaders: Readonly<Record<string, string>> = { "content-type": "application/json" };
const replayedHeaders: Readonly<Record<string, string>> = { "content-type": "application/json", [replayHeader]: "true" };
/** How many scan windows one filtered JSON page examines at most (docs/http-api.md §4): 100,000 events by default. */
const windowsPerPage = 10;

/** Append, read (SSE, JSON, NDJSON; finite or live) and delete streams. */
export const streamRoutes = new Hono<AppEnv>();

for (const route of [prefix, `${prefix}/*`]) {
  streamRoutes.post(route, append);
  streamRoutes.get(route, read);
  streamRoutes.delete(route, remove);
}

async function append(c: AppContext) {
  const { appender, limits } = c.get("parts");
  const project = projectOf(c);
  const path = streamPathOf(c, prefix);
  const strict = isTrue(c.req.query("strict")) || isTrue(c.req.header(requestHeaders.strict));
  const text = await requestText(c);
  if (path.endsWith("/fork")) {
    const body = parseJsonOrUndefined(text);
    if (isForkRequest(path, body)) return forkStream(c, path, body);
    // required-scope.ts left this route's scope to it (a fork's depends on its body).
    requireScopes(c, [{ kind: "append", project, path }]);
  }
  const { events, batch } = parseAppendBody(text, c.req.header("content-type") ?? "", { strict, maxEventBytes: limits.maxEventBytes });
  const result = await appender.appendAsClient(project, path, withProvenance(c, events));
  const allReplayed = result.events.every((appended) => appended.replayed);
  // Plain headers with the security headers in them: the cheapest response Hono's Node adapter writes.
  const headers = allReplayed ? replayedHeaders : appendedHeaders;
  const status = allReplayed ? 200 : 201;
  if (!batch) return securedResponse(result.events[0]!.json, status, headers);
  const body = `{"events":[${result.events.map((appended) => appended.json).join(",")}],"replayed":${JSON.stringify(result.events.map((appended) => appended.replayed))}}`;
  return securedResponse(body, status, headers);
}

async function read(c: AppContext) {
  const { store, hub, limits, logger } = c.var.parts;
  const project = projectOf(c);
  const path = streamPathOf(c, prefix);
  const format = formatOf(c);
  const live = parseBoolean("live", c.req.query("live"));
  const lastEventId = c.req.header(requestHeaders.lastEventId);
  const after = lastEventId !== undefined ? parseOffsetCursor("Last-Event-ID", lastEventId) : parseOffsetCursor("afterOffset", c.req.query("afterOffset"));
  const before = parseOffsetCursor("beforeOffset", c.req.query("beforeOffset"));
  const filter = parseEventFilter(c.req.query("types"), c.req.query("q"));
  const info = await store.info(project, path);
  const lastOffset = info?.lastOffset ?? 0;
  const afterOffset = lowerBound(after, lastOffset);
  const beforeOffset = upperBound(before, lastOffset);

  if (format === "json") {
    if (live) throw new TributaryError("invalid_query", "live=true needs a streaming format: SSE (the default) or format=ndjson.");
    const limit = parseLimit(c.req.query("limit"), 1000, maxJsonPageEvents);
    if (filter) {
      // A filtered page examines at most windowsPerPage windows; when it stops short, hasMore is true
      // and nextAfterOffset says where the next page continues, so a client sees progress on a rare match.
      // A filtered page is built in memory, so it keeps the older, smaller bound.
      const filteredLimit = Math.min(limit, maxFilteredJsonPageEvents);
      const end = Math.min(beforeOffset, lastOffset + 1);
      const pieces: Uint8Array[] = [];
      let covered = afterOffset;
      for await (const page of scanFiltered({
        store,
        project,
        path,
        filter,
        format: "json",
        afterOffset,
        endOffset: end,
        pageSize: filteredLimit,
        window: limits.filterScanWindow,
        maxEvents: filteredLimit,
        maxScanned: windowsPerPage * limits.filterScanWindow,
      })) {
        covered = page.coveredThrough;
        if (page.count === 0) continue;
        if (pieces.length > 0) pieces.push(comma);
        pieces.push(page.bytes);
      }
      c.header("content-type", "application/json");
      return c.body(jsonPage(path, pieces, `],"nextAfterOffset":${covered},"hasMore":${covered < end - 1},"lastOffset":${lastOffset}}`));
    }
    c.header("content-type", "application/json");
    return c.body(await jsonPageBody({ store, project, path, afterOffset, beforeOffset, limit, lastOffset, logger }));
  }

  const res = c.env.outgoing;
  // Written here, past the middleware: the data headers go with the head.
  res.writeHead(200, {
    ...dataHeaderObject,
    "content-type": format === "sse" ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
    ...(live ? { connection: "keep-alive" } : {}),
  });
  res.flushHeaders();
  writeStream(res, {
    store,
    hub,
    project,
    path,
    format,
    afterOffset,
    beforeOffset,
    live,
    filter,
    filterScanWindow: limits.filterScanWindow,
    maxBufferedBytes: limits.maxReaderBufferBytes,
    pageSize: 1000,
    logger,
  });
  return RESPONSE_ALREADY_SENT;
}

async function remove(c: AppContext) {
  const { store, hub, builtins } = c.var.parts;
  const project = projectOf(c);
  const path = streamPathOf(c, prefix);
  const recursive = parseBoolean("recursive", c.req.query("recursive"));
  const result = await store.delete(project, path, { recursive });
  for (const deleted of result.deletedPaths) {
    hub.closeStream(project, deleted);
    builtins.forget(project, deleted);
    // A JSON stream of the Durable Streams face is this stream; its record goes with it.
    await store.deleteDurableStream(project, deleted);
  }
  return c.json({ deletedPaths: result.deletedPaths });
}

const comma = Buffer.from(",");

/**
 * The largest JSON page (docs/http-api.md §4.5). An unfiltered page is streamed in pieces of 1,000
 * events, each read on a turn of its own (read/json-page-body.ts), so its size costs the server neither
 * memory nor fairness; what it saves is a client's round trips: a 200,000-event catch-up in 2 requests
 * instead of 20 (packages/bench/README.md, "Where the time goes").
 */
export const maxJsonPageEvents = 100_000;
/** The largest filtered JSON page: it is joined in memory before it is sent (a full one has `hasMore`). */
const maxFilteredJsonPageEvents = 10_000;

/** A filtered JSON page's body: the stored envelopes' bytes as the store joined them, between its head and its trailer. */
function jsonPage(path: string, events: Uint8Array[], trailer: string): Buffer<ArrayBuffer> {
  return Buffer.concat([Buffer.from(`{"streamPath":${JSON.stringify(path)},"events":[`), ...events, Buffer.from(trailer)]);
}

function formatOf(c: AppContext): LiveFormat | "json" {
  const format = c.req.query("format");
  if (format !== undefined) {
    if (format === "sse" || format === "json" || format === "ndjson") return format;
    throw new TributaryError("invalid_query", `format must be sse, json or ndjson; got ${JSON.stringify(format)}.`);
  }
  const accept = c.req.header("accept") ?? "";
  if (accept.includes("text/event-stream")) return "sse";
  if (accept.includes("application/x-ndjson") || accept.includes("application/ndjson")) return "ndjson";
  if (accept.includes("application/json")) return "json";
  return "sse";
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isTrue(value: string | undefined): boolean {
  return value === "true" || value === "1";
}

export function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw new TributaryError("invalid_query", `${name} must be true or false; got ${JSON.stringify(value)}.`);
}

export function parseLimit(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new TributaryError("invalid_query", `limit must be an integer from 1 to ${max}; got ${JSON.stringify(value)}.`);
  }
  return Number(value);
}

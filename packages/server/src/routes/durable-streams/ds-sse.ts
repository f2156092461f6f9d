import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { AppContext } from "../../context.ts";
import { responseCursor } from "./ds-cursor.ts";
import { faceOf, streamKey } from "./ds-face.ts";
import { dsHeader, mediaTypeOf } from "./ds-headers.ts";
import { formatDsOffset } from "./ds-offset.ts";
import { readDsPage } from "./ds-read-page.ts";
import { findDsStream, type DsStream } from "./ds-stream.ts";
import { dataHeaderObject } from "../../browser/security-headers.ts";

/** §5.8: text and JSON streams are sent as text; every other content type as base64. */
function isTextual(contentType: string): boolean {
  const media = mediaTypeOf(contentType);
  return media.startsWith("text/") || media === "application/json";
}

/**
 * Each line of a payload gets its own `data:` field, whatever its line ending (CR, LF or CRLF), so no
 * payload can end an event early or inject one; readers join the fields back with newlines. A line that
 * starts with a space gets one more, because readers strip one after the colon.
 */
function dataEvent(payload: string): string {
  return `event: data\n${payload
    .split(/\r\n|\r|\n/)
    .map((line) => `data:${line.startsWith(" ") ? " " : ""}${line}\n`)
    .join("")}\n`;
}

function controlEvent(fields: Record<string, string | boolean>): string {
  return `event: control\ndata:${JSON.stringify(fields)}\n\n`;
}

/**
 * SSE live mode: every data event is followed by a control event with the offset after it; at the
 * tail a control event says `upToDate`; at the tail of a closed stream the last control event says
 * `streamClosed` (without a cursor) and the connection ends. While idle, a control event goes out every
 * long-poll interval as a keep-alive.
 */
export function streamSse(c: AppContext, stream: DsStream, from: number, cursor: string | undefined) {
  const { parts } = c.var;
  const face = faceOf(parts);
  const res = c.env.outgoing as ServerResponse;
  const base64 = !isTextual(stream.meta.contentType);
  res.writeHead(200, {
    ...dataHeaderObject,
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "cross-origin-resource-policy": "cross-origin",
    ...(base64 ? { [dsHeader.sseEncoding]: "base64" } : {}),
  });
  res.flushHeaders();
  const abort = new AbortController();
  res.on("close", () => abort.abort());

  const json = stream.meta.kind === "events";
  const encode = (data: string | Buffer) => (json ? `[${data as string}]` : base64 ? (data as Buffer).toString("base64") : (data as Buffer).toString("utf8"));

  void (async () => {
    let current = stream;
    let after = from;
    let announcedIdle = false;
    try {
      while (!abort.signal.aborted) {
        const wait = face.waitForChange(streamKey(current.storeProject, current.storePath), face.longPollMs, abort.signal);
        const page = await readDsPage(parts, current, after);
        const refreshed = await findDsStream(parts, current.project, current.path, async (expired) => expired);
        if (!refreshed || refreshed.meta.softDeleted) {
          wait.cancel();
          break;
        }
        current = refreshed;
        let chunk = "";
        for (const item of page.items) {
          const atTail = item.offset >= current.tail;
          chunk += dataEvent(encode(item.data));
          chunk += controlEvent(
            atTail && current.meta.closed
              ? { streamNextOffset: formatDsOffset(item.offset), streamClosed: true }
              : { streamNextOffset: formatDsOffset(item.offset), streamCursor: responseCursor(cursor), ...(atTail ? { upToDate: true } : {}) },
          );
        }
        after = page.next;
        const atTail = after >= current.tail;
        if (atTail && current.meta.closed) {
          if (page.items.length === 0 || page.items.at(-1)!.offset < after)
            chunk += controlEvent({ streamNextOffset: formatDsOffset(after), streamClosed: true });
          res.write(chunk);
          wait.cancel();
          break;
        }
        if (page.items.length === 0 && !announcedIdle)
          chunk += controlEvent({ streamNextOffset: formatDsOffset(after), streamCursor: responseCursor(cursor), upToDate: true });
        // A reader slower than the catch-up holds the loop here rather than growing the server's memory.
        if (chunk && !res.write(chunk) && !abort.signal.aborted) await once(res, "drain", { signal: abort.signal }).catch(() => undefined);
        if (!atTail) {
          wait.cancel();
          continue;
        }
        announcedIdle = true;
        const changed = await wait.promise;
        if (!changed && !abort.signal.aborted)
          res.write(controlEvent({ streamNextOffset: formatDsOffset(after), streamCursor: responseCursor(cursor), upToDate: true }));
      }
    } catch (error) {
      parts.logger.error("durable-streams SSE reader failed", { path: stream.path, error: String(error) });
    } finally {
      res.end();
    }
  })();
  return RESPONSE_ALREADY_SENT;
}

import type { AppContext } from "../../context.ts";
import { dsHeader } from "./ds-headers.ts";
import { formatDsOffset } from "./ds-offset.ts";
import type { DsStream } from "./ds-stream.ts";

/** The headers that describe a stream on PUT, POST and HEAD answers (§5.1, §5.2, §5.5). */
export function setStreamHeaders(c: AppContext, stream: DsStream, options: { expiry?: boolean } = {}): void {
  c.header("content-type", stream.meta.contentType);
  c.header(dsHeader.nextOffset, formatDsOffset(stream.tail));
  if (stream.meta.closed) c.header(dsHeader.closed, "true");
  if (options.expiry) {
    if (stream.meta.ttlSeconds !== undefined) c.header(dsHeader.ttl, String(stream.meta.ttlSeconds));
    if (stream.meta.expiresAt !== undefined) c.header(dsHeader.expiresAt, stream.meta.expiresAt);
  }
}

/** The stream URL without its query: what `Location` names and what the client addressed. */
export function streamUrlOf(c: AppContext): string {
  const url = new URL(c.req.url);
  return `${url.origin}${url.pathname}`;
}

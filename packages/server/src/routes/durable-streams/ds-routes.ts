import { Hono } from "hono";
import { streamPathOf, type AppContext, type AppEnv } from "../../context.ts";
import { appendDurableStream } from "./ds-append.ts";
import { createDurableStream } from "./ds-create.ts";
import { deleteDurableStream, headDurableStream } from "./ds-head-delete.ts";
import { readDurableStream } from "./ds-read.ts";

export const durableStreamsPrefix = "/v1/stream";

const requestHeaders =
  "content-type, authorization, if-none-match, Stream-Seq, Stream-TTL, Stream-Expires-At, Stream-Closed, Producer-Id, Producer-Epoch, Producer-Seq, Stream-Forked-From, Stream-Fork-Offset, Stream-Fork-Sub-Offset";
const exposedHeaders =
  "Stream-Next-Offset, Stream-Cursor, Stream-Up-To-Date, Stream-Closed, Stream-TTL, Stream-Expires-At, Stream-SSE-Data-Encoding, Producer-Epoch, Producer-Seq, Producer-Expected-Seq, Producer-Received-Seq, etag, location";

/**
 * The Durable Streams protocol (durable-streams/durable-streams, PROTOCOL.md) at `/v1/stream/<path>`:
 * a second face of the same streams. See docs/durable-streams.md for the mapping.
 */
export const durableStreamsRoutes = new Hono<AppEnv>();

// §12.7: every answer, errors included, says how browsers may treat it.
durableStreamsRoutes.use(`${durableStreamsPrefix}/*`, async (c, next) => {
  await next();
  c.res.headers.set("x-content-type-options", "nosniff");
  c.res.headers.set("cross-origin-resource-policy", "cross-origin");
  c.res.headers.set("access-control-expose-headers", exposedHeaders);
});

// A preflight learns which headers the protocol uses; granting an origin is left to the operator's proxy.
durableStreamsRoutes.options(`${durableStreamsPrefix}/*`, (c) => {
  c.header("access-control-allow-methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS");
  c.header("access-control-allow-headers", requestHeaders);
  return c.body(null, 204);
});

const pathOf = (c: AppContext) => streamPathOf(c, durableStreamsPrefix);
durableStreamsRoutes.put(`${durableStreamsPrefix}/*`, (c) => createDurableStream(c, pathOf(c)));
durableStreamsRoutes.post(`${durableStreamsPrefix}/*`, (c) => appendDurableStream(c, pathOf(c)));
// Hono answers HEAD with the GET route (and drops the body), so the method is told apart here.
durableStreamsRoutes.get(`${durableStreamsPrefix}/*`, (c) => (c.req.method === "HEAD" ? headDurableStream(c, pathOf(c)) : readDurableStream(c, pathOf(c))));
durableStreamsRoutes.delete(`${durableStreamsPrefix}/*`, (c) => deleteDurableStream(c, pathOf(c)));

import type { StreamPath } from "@tributary/protocol";
import type { Logger } from "../logger.ts";
import type { EncodedPage, StreamStore } from "../store/stream-store.ts";

export interface JsonPageRequest {
  store: StreamStore;
  project: string;
  path: StreamPath;
  /** Exclusive lower bound. */
  afterOffset: number;
  /** Exclusive upper bound (may be infinite). */
  beforeOffset: number;
  limit: number;
  /** The stream's head when the request arrived: the page holds nothing past it. */
  lastOffset: number;
  /** Where a read that fails after the response started is reported (the connection is then closed). */
  logger: Logger;
}

/** Events per store read while a page is sent: the client parses one piece while the next is read. */
export const jsonPagePieceSize = 1000;
const comma = new TextEncoder().encode(",");
const encoder = new TextEncoder();

/**
 * The body of an unfiltered JSON page (docs/http-api.md §4), `{"streamPath", "events": […],
 * "nextAfterOffset", "hasMore", "lastOffset"}`, streamed: the events are read in pieces of
 * `jsonPagePieceSize` and each goes to the socket as soon as it is read, so the client (on another core)
 * reads one piece while the server reads the next, instead of waiting for the whole page to be built.
 *
 * 1. The page is what the stream held at `lastOffset`: events committed while it is sent are left for
 *    the next page, so `nextAfterOffset` never passes the page's own `lastOffset`.
 * 2. The first piece is read before the response starts, so a failing store answers with an error status;
 *    a later failure is logged and closes the connection (the client sees a truncated body, not a page).
 * 3. A page that fits in one piece is sent whole, with a Content-Length, as before.
 * 4. Each later piece is read on a turn of the event loop of its own (`setImmediate`): a loopback socket
 *    takes piece after piece without backpressure, and a 10,000-event page would otherwise be read and
 *    sent in one go while every other request waits (test: read-fairness.e2e).
 *
 * @example
 * return c.body(await jsonPageBody({ store, project, path, afterOffset: 0, beforeOffset: Infinity, limit: 1000, lastOffset, logger }));
 */
export async function jsonPageBody(request: JsonPageRequest): Promise<Buffer<ArrayBuffer> | ReadableStream<Uint8Array>> {
  const { store, project, path, limit } = request;
  const end = Math.min(request.beforeOffset, request.lastOffset + 1);
  let count = 0;
  let last = request.afterOffset;
  let finished = false;
  const read = async (): Promise<EncodedPage | undefined> => {
    const size = Math.min(jsonPagePieceSize, limit - count);
    const piece =
      size > 0 && last + 1 < end ? await store.readEncoded(project, path, { afterOffset: last, beforeOffset: end, limit: size }, "json") : undefined;
    if (piece && piece.count > 0) {
      count += piece.count;
      last = piece.lastOffset!;
    }
    finished = !piece || piece.count < size || count === limit || last + 1 >= end;
    return piece && piece.count > 0 ? piece : undefined;
  };
  const head = () => encoder.encode(`{"streamPath":${JSON.stringify(path)},"events":[`);
  const trailer = () => {
    // More exists when the page is full and stopped short of the end of the range.
    const hasMore = count === limit && last < end - 1;
    return encoder.encode(`],"nextAfterOffset":${last},"hasMore":${hasMore},"lastOffset":${request.lastOffset}}`);
  };
  const first = await read();
  // A page of one piece is sent whole, with its length.
  if (finished) return Buffer.concat(first ? [head(), first.bytes, trailer()] : [head(), trailer()]);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(head());
        controller.enqueue(first!.bytes);
      },
      async pull(controller) {
        try {
          await new Promise((resolve) => setImmediate(resolve));
          const piece = await read();
          if (piece) {
            controller.enqueue(comma);
            controller.enqueue(piece.bytes);
          }
          if (finished) {
            controller.enqueue(trailer());
            controller.close();
          }
        } catch (error) {
          request.logger.error("reading a JSON page failed after its response started", {
            project,
            path,
            error: error instanceof Error ? error.message : String(error),
          });
          controller.error(error);
        }
      },
    },
    { highWaterMark: 0 },
  );
}

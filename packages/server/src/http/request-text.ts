import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

const decoder = new TextDecoder();

/**
 * The request body as text. A small append's body comes with its headers, and the route runs while
 * node:http is still parsing them (Hono calls it synchronously from the `request` event), so the body
 * is not yet in the request's buffer. After one microtask the parser has finished the socket's data:
 * when the whole body is then buffered (its length is the Content-Length the body limit checked), the
 * bytes are taken at once. `c.req.text()` resumes the stream and waits for its `data` and `end` events
 * (`nextTick`s and a promise). Otherwise (a body still arriving, or one without a Content-Length, which
 * the body limit counts while it is read through a wrapped request), it is `c.req.text()`.
 * Decoded as `c.req.text()` decodes (UTF-8, a leading BOM dropped, invalid bytes replaced).
 */
export async function requestText(c: Context<AppEnv>): Promise<string> {
  const incoming = c.env?.incoming;
  const length = incoming?.headers["content-length"];
  if (incoming && length !== undefined && !incoming.readableDidRead) {
    if (incoming.readableLength < Number(length)) await undefined;
    if (!incoming.readableDidRead && incoming.readableLength === Number(length)) {
      const bytes = incoming.read() as Buffer | null;
      // The stream ends (its `end` event, which the adapter's clean-up after the response looks for)
      // only when read on once the parser has finished the message.
      incoming.resume();
      return bytes === null ? "" : decoder.decode(bytes);
    }
  }
  return c.req.text();
}

import { TributaryError } from "@tributary/protocol";
import type { AppContext } from "../../context.ts";

/**
 * A request body as bytes, refused with 413 past the server's body limit. The app's body-limit
 * middleware already stops a body of unknown length (chunked) as it passes the limit; this repeats the
 * check so the face holds the limit on its own.
 */
export async function readDsBody(c: AppContext): Promise<Uint8Array> {
  const limit = c.var.parts.limits.maxBodyBytes;
  const tooLarge = () => new TributaryError("body_too_large", `The request body is larger than ${limit} bytes.`, { limit });
  const length = c.req.header("content-length");
  if (length !== undefined && Number(length) > limit) throw tooLarge();
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > limit) throw tooLarge();
  return body;
}

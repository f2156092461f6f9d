import type { IncomingMessage } from "node:http";

/**
 * A request's whole body as UTF-8 text, read the plain `node:http` way (`data` and `end` events): what the
 * bench's bare servers (the floor, the probes' stripped-down servers) do per request.
 *
 * @example
 * const body = await readBody(req);
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

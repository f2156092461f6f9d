import { request, type IncomingMessage } from "node:http";

export interface SseConnection {
  /** Resolves when the server ends the response (or the socket closes). */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens a GET on its own socket and hands every received piece of text to `onText`; resolves once the
 * response headers say 200. The caller parses (see `createFrameScanner`): the fan-out benchmark needs a
 * cheaper parser than the general one.
 *
 * @example
 * const sse = await openSse(url, "/api/streams/a?live=true", (text) => scan(text));
 */
export function openSse(baseUrl: string, pathAndQuery: string, onText: (text: string) => void): Promise<SseConnection> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: pathAndQuery, agent: false, headers: { accept: "text/event-stream" } },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET ${pathAndQuery} answered ${res.statusCode}`));
          return;
        }
        res.setEncoding("utf8");
        res.on("data", onText);
        const ended = new Promise<void>((done) => {
          res.once("end", done);
          res.once("close", done);
          res.once("error", () => done());
        });
        resolve({ ended, close: () => req.destroy() });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Splits SSE text into frames and calls `onFrame` with each event's `id:` and `data:` (comments such as
 * heartbeats are skipped). Keeps the incomplete tail of a chunk for the next one.
 *
 * @example
 * const scan = createFrameScanner((id, data) => console.log(id, JSON.parse(data).type));
 */
export function createFrameScanner(onFrame: (id: number, data: string) => void): (text: string) => void {
  let buffer = "";
  return (text) => {
    buffer += text;
    let start = 0;
    for (;;) {
      const end = buffer.indexOf("\n\n", start);
      if (end < 0) break;
      if (buffer.startsWith("id: ", start)) {
        const idEnd = buffer.indexOf("\n", start);
        const dataStart = buffer.indexOf("data: ", idEnd) + 6;
        onFrame(Number(buffer.slice(start + 4, idEnd)), buffer.slice(dataStart, end));
      }
      start = end + 2;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
  };
}

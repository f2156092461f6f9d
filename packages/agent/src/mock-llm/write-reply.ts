import type { ServerResponse } from "node:http";
import type { MockReply } from "./mock-script.ts";
import type { StreamStep } from "./stream-step.ts";

/** Resolves after `ms`, or early when `until` settles (the client went away). */
const wait = (ms: number, until: Promise<void>) => Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), until]);

const write = (response: ServerResponse, data: string) =>
  new Promise<void>((resolve) => {
    response.write(data, () => resolve());
  });

/**
 * Streams SSE steps to a client, applying the reply's stream behaviours:
 * 1. `chunkDelayMs` between content chunks;
 * 2. `disconnectAfterChunks`: after that many content chunks have been flushed, the socket is destroyed
 *    (the client sees a broken stream, never a clean end);
 * 3. `stallAfterChunks`: after that many, nothing more is sent until the client closes the connection.
 * Returns how many content chunks were sent.
 */
export async function writeSteps(response: ServerResponse, steps: StreamStep[], reply: MockReply, clientGone: Promise<void>): Promise<number> {
  let gone = false;
  void clientGone.then(() => (gone = true));
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
  response.flushHeaders();
  let chunks = 0;
  for (const step of steps) {
    if (gone) return chunks;
    if (step.chunk) {
      if (reply.disconnectAfterChunks !== undefined && chunks >= reply.disconnectAfterChunks) {
        response.socket?.destroy();
        return chunks;
      }
      if (reply.stallAfterChunks !== undefined && chunks >= reply.stallAfterChunks) {
        await clientGone;
        return chunks;
      }
      if (chunks > 0 && reply.chunkDelayMs) await wait(reply.chunkDelayMs, clientGone);
      if (gone) return chunks;
      chunks += 1;
    }
    await write(response, step.frames.join(""));
  }
  response.end();
  return chunks;
}

/** Waits for the reply's `delayMs` (cut short if the client leaves). */
export async function delayReply(reply: MockReply, clientGone: Promise<void>): Promise<void> {
  if (reply.delayMs) await wait(reply.delayMs, clientGone);
}

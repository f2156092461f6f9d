/**
 * The HTTP floor: a bare `node:http` server that stores nothing, answering the subset of Tributary's
 * API the bench's client uses, so every workload can be run against it with the same client code. What
 * it does per request is the least any server must do: read the body, answer.
 *
 * - `POST /api/streams/<path>`: counts the events (one, or a `{"events":[…]}` batch), writes the body as
 *   one SSE frame to each live reader of the path (frames of one event-loop turn gathered into one
 *   write), answers 201 `{"offset":n}`.
 * - `GET …?live=true`: an SSE response held open for those frames.
 * - `GET …` (finite SSE) and `GET …?format=json&afterOffset=&limit=`: the path's events so far,
 *   synthesised on the fly (it stored none) at the size of a stored Tributary event, in pages of 1,000
 *   (SSE, written with backpressure) or `limit` (JSON, with Tributary's trailer).
 *
 * Started by `startServerProcess` with this script; speaks the protocol of `announceServer`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { announceServer } from "./child-ipc.ts";
import { readBody } from "./read-body.ts";

interface FloorStream {
  count: number;
  readers: Set<ServerResponse>;
}

const streams = new Map<string, FloorStream>();
const streamOf = (path: string) => {
  let stream = streams.get(path);
  if (!stream) streams.set(path, (stream = { count: 0, readers: new Set() }));
  return stream;
};
const note = "x".repeat(64);
/** About the size of a stored Tributary event of the catch-up workload (its envelope and payload). */
const synthesised = (path: string, offset: number) =>
  `{"offset":${offset},"path":${JSON.stringify(path)},"type":"bench/filled","payload":{"i":${offset},"note":"${note}"},"time":"2026-01-01T00:00:00.000Z","source":"bench"}`;

/**
 * Frames for live readers are gathered for one event-loop turn and written as one Buffer to each reader:
 * the cheapest way to write the same frames to many sockets (one write per reader per turn, not per
 * event), so the floor's fan-out is a strong one.
 */
const pending = new Map<FloorStream, string[]>();
function publish(stream: FloorStream, frame: string): void {
  const frames = pending.get(stream);
  if (frames) {
    frames.push(frame);
    return;
  }
  pending.set(stream, [frame]);
  if (pending.size === 1) setImmediate(flush);
}
function flush(): void {
  for (const [stream, frames] of pending) {
    const bytes = Buffer.from(frames.join(""));
    for (const reader of stream.readers) reader.write(bytes);
  }
  pending.clear();
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://floor");
  const path = url.pathname.replace(/^\/api\/streams/, "");
  const stream = streamOf(path);
  if (req.method === "POST") {
    const body = await readBody(req);
    const first = stream.count + 1;
    stream.count += body.startsWith('{"events":[') ? body.split('"type":').length - 1 : 1;
    if (stream.readers.size > 0) publish(stream, `id: ${first}\ndata: ${body}\n\n`);
    res.writeHead(201, { "content-type": "application/json" });
    res.end(`{"offset":${stream.count}}`);
    return;
  }
  const after = Number(url.searchParams.get("afterOffset") ?? 0) || 0;
  if (url.searchParams.get("format") === "json") {
    const limit = Number(url.searchParams.get("limit") ?? 1000);
    const last = Math.min(stream.count, after + limit);
    const events: string[] = [];
    for (let offset = after + 1; offset <= last; offset++) events.push(synthesised(path, offset));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      `{"streamPath":${JSON.stringify(path)},"events":[${events.join(",")}],"nextAfterOffset":${last},"hasMore":${last < stream.count},"lastOffset":${stream.count}}`,
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  if (url.searchParams.get("live") === "true") {
    stream.readers.add(res);
    res.on("close", () => stream.readers.delete(res));
    return;
  }
  for (let offset = after + 1; offset <= stream.count;) {
    const frames: string[] = [];
    for (const end = Math.min(stream.count, offset + 999); offset <= end; offset++) frames.push(`id: ${offset}\ndata: ${synthesised(path, offset)}\n\n`);
    if (!res.write(frames.join(""))) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    res.destroy();
    console.error("floor:", error);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
announceServer(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => {
  for (const stream of streams.values()) for (const reader of stream.readers) reader.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

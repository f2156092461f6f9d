/**
 * Probe server (not part of `npm run bench`): the least a server with Tributary's live path and a durable
 * commit does for the live round trip. Bare `node:http` (no Hono, no route, no gate, no built-ins) over
 * the SQLite store, with the server's live hub and stream writer wired as `startServer` wires them
 * (`store.onCommit(hub.publish)`, `gather: "task"`): an append is parsed, committed (group commit, WAL,
 * `fsync` as the bench sets it), written to the live readers from the commit listener and answered with
 * the stored event; `GET …?live=true` is a live SSE read (from the end). What the live round trip costs
 * here over the HTTP floor is the commit and the live path; what Tributary costs over this is its HTTP
 * framework, the append route and the built-ins.
 *
 * Used by `live-ab.ts --store`; started by `startServerProcess` with this script.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { StreamPath } from "@tributary/protocol";
import { createLiveHub } from "../../../server/src/live/live-hub.ts";
import { writeStream } from "../../../server/src/live/stream-writer.ts";
import { createLogger } from "../../../server/src/logger.ts";
import { createSqliteStore } from "../../../server/src/store/sqlite/sqlite-store.ts";
import { announceServer } from "../child-ipc.ts";
import { readBody } from "../read-body.ts";
import { liveReadOptions } from "./live-read-options.ts";

const store = createSqliteStore({ dataDir: process.env.BENCH_DATA_DIR!, fsync: process.env.BENCH_FSYNC === "full" ? "full" : "normal" });
const hub = createLiveHub({ heartbeatMs: 15_000, gather: "task" });
store.onCommit(hub.publish, hub.wants);
const logger = createLogger({ level: "warn" });
const project = "default";

const server = createServer((req, res) => {
  const path = req.url!.slice("/api/streams".length).split("?")[0]! as StreamPath;
  if (req.method === "POST") {
    void (async () => {
      const input = JSON.parse(await readBody(req)) as { type: string; payload?: Record<string, unknown> };
      const result = await store.append({ project, path, events: [{ type: input.type, payload: input.payload ?? {} }] });
      const json = result.events[0]!.json;
      res.writeHead(201, { "content-type": "application/json", "content-length": String(Buffer.byteLength(json)) });
      res.end(json);
    })().catch((error: unknown) => {
      console.error("live-store:", error);
      res.destroy();
    });
    return;
  }
  void store.info(project, path).then((info) => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive" });
    res.flushHeaders();
    writeStream(res, liveReadOptions({ store, hub, logger, project, path, afterOffset: info?.lastOffset ?? 0 }));
  });
});
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
announceServer(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, async () => {
  hub.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
});

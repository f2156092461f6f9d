/**
 * Probe server (not part of `npm run bench`): stripped-down variants of the append endpoint, to tell
 * how much of an append's cost is Node's HTTP, Hono, Hono's body-limit middleware, and the store, and
 * what the store's group commit gives when appends to one stream are not serialised.
 * BENCH_VARIANT: raw | raw-store | hono | hono-bodylimit | hono-store; raw-secured and raw-store-secured answer with
 * the server's security headers too (what they cost the server's writeHead).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createSqliteStore } from "@tributary/server";
import { dataHeaderEntries } from "../../../server/src/browser/security-headers.ts";
import type { StreamPath } from "@tributary/protocol";
import { announceServer } from "../child-ipc.ts";
import { readBody } from "../read-body.ts";

const variant = process.env.BENCH_VARIANT ?? "raw";
const store = createSqliteStore({ dataDir: process.env.BENCH_DATA_DIR!, fsync: process.env.BENCH_FSYNC === "full" ? "full" : "normal" });
let counter = 0;
const securityHeaders = Object.fromEntries(dataHeaderEntries);

/** What the variant does with one append body: parse it, and store it when the variant has a store. */
async function handle(path: string, body: string): Promise<string> {
  const input = JSON.parse(body) as { type: string; payload?: Record<string, unknown> };
  if (!variant.replace(/-secured$/, "").endsWith("store")) {
    counter += 1;
    return JSON.stringify({ ...input, streamPath: path, offset: counter, createdAt: new Date().toISOString() });
  }
  const result = await store.append({ project: "default", path: path as StreamPath, events: [{ type: input.type, payload: input.payload ?? {} }] });
  return result.events[0]!.json;
}

let url: string;
let close: () => Promise<void>;
if (variant.startsWith("raw")) {
  const server = createServer(async (req, res) => {
    const json = await handle(req.url!.slice("/api/streams".length).split("?")[0]!, await readBody(req));
    const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(json)) };
    res.writeHead(201, variant.endsWith("-secured") ? { ...securityHeaders, ...headers } : headers);
    res.end(json);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
} else {
  const app = new Hono();
  if (variant === "hono-bodylimit") app.use("/api/*", bodyLimit({ maxSize: 4 * 1024 * 1024 }));
  app.post("/api/streams/*", async (c) => {
    const json = await handle(new URL(c.req.url).pathname.slice("/api/streams".length), await c.req.text());
    c.header("content-type", "application/json");
    return c.body(json, 201);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const created = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(created));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
}
announceServer(url, async () => {
  await close();
  await store.close();
});

import { TributaryError } from "@tributary/protocol";
import { Hono } from "hono";
import { streamStatus } from "../builtins/stream-status.ts";
import { projectOf, streamPathOf, type AppContext, type AppEnv } from "../context.ts";
import type { StreamInfo } from "../store/event-log.ts";
import { parseLimit } from "./streams.ts";

/** How many streams' built-in state a `status=true` listing loads at once. */
const statusConcurrency = 16;

/**
 * The stream tree: direct children of a path, or every descendant. With `status=true` each stream also
 * gets its `status` (last activity, paused, failing, agent) from its built-in state, which is loaded for
 * the streams not held in memory (from their snapshot, then the events after it).
 */
export const listingRoutes = new Hono<AppEnv>();

for (const [prefix, depth] of [
  ["/api/children", 1],
  ["/api/tree", undefined],
] as const) {
  const handler = async (c: AppContext) => {
    const project = projectOf(c);
    const path = streamPathOf(c, prefix);
    const limit = parseLimit(c.req.query("limit"), 10_000, 100_000);
    const status = c.req.query("status");
    if (status !== undefined && status !== "true" && status !== "false")
      throw new TributaryError("invalid_query", `status must be true or false; got '${status}'.`);
    const streams = await c.var.parts.store.list(project, path, { depth, limit: limit + 1 });
    const listed = streams.slice(0, limit);
    return c.json({ project, path, streams: status === "true" ? await withStatus(c, project, listed) : listed, truncated: streams.length > limit });
  };
  listingRoutes.get(prefix, handler);
  listingRoutes.get(`${prefix}/*`, handler);
}

async function withStatus(c: AppContext, project: string, streams: StreamInfo[]) {
  const described = [];
  for (let i = 0; i < streams.length; i += statusConcurrency) {
    const batch = streams.slice(i, i + statusConcurrency);
    described.push(
      ...(await Promise.all(batch.map(async (stream) => ({ ...stream, status: streamStatus(await c.var.parts.builtins.describe(project, stream.path)) })))),
    );
  }
  return described;
}

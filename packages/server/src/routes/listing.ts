import { Hono } from "hono";
import { projectOf, streamPathOf, type AppContext, type AppEnv } from "../context.ts";
import { parseLimit } from "./streams.ts";

/** The stream tree: direct children of a path, or every descendant. */
export const listingRoutes = new Hono<AppEnv>();

for (const [prefix, depth] of [
  ["/api/children", 1],
  ["/api/tree", undefined],
] as const) {
  const handler = async (c: AppContext) => {
    const project = projectOf(c);
    const path = streamPathOf(c, prefix);
    const limit = parseLimit(c.req.query("limit"), 10_000, 100_000);
    const streams = await c.var.parts.store.list(project, path, { depth, limit: limit + 1 });
    return c.json({ project, path, streams: streams.slice(0, limit), truncated: streams.length > limit });
  };
  listingRoutes.get(prefix, handler);
  listingRoutes.get(`${prefix}/*`, handler);
}

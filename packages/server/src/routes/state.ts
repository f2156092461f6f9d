import { Hono } from "hono";
import { projectOf, streamPathOf, type AppContext, type AppEnv } from "../context.ts";

/** A stream's reduced built-in state: head, children, and each built-in's view (paused?, …). */
export const stateRoutes = new Hono<AppEnv>();

const handler = async (c: AppContext) => {
  const { store, builtins } = c.var.parts;
  const project = projectOf(c);
  const path = streamPathOf(c, "/api/state");
  const info = await store.info(project, path);
  const children = await store.list(project, path, { depth: 1, limit: 1000 });
  return c.json({
    project,
    path,
    exists: info !== undefined,
    eventCount: info?.lastOffset ?? 0,
    lastOffset: info?.lastOffset ?? 0,
    createdAt: info?.createdAt ?? null,
    childPaths: children.map((child) => child.path),
    ...(info ? await builtins.describe(project, path) : {}),
  });
};
stateRoutes.get("/api/state", handler);
stateRoutes.get("/api/state/*", handler);

import { Hono } from "hono";
import { z } from "zod";
import { describeIssues, TributaryError } from "@tributary/protocol";
import { projectOf, streamPathOf, type AppContext, type AppEnv } from "../context.ts";
import { checkJsonDepth } from "../http/json-depth.ts";

/** Named consumer cursors: how far a consumer's side effects got on a stream (durable checkpoints). */
export const cursorRoutes = new Hono<AppEnv>();

export const consumerNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9\-_.:]{0,127}$/, "consumer must be 1-128 letters, digits, '-', '_', '.' or ':'");
export const cursorBodySchema = z.object({ offset: z.number().int().min(0) }).strict();

function consumerOf(c: AppContext): string {
  const parsed = consumerNameSchema.safeParse(c.req.query("consumer"));
  if (!parsed.success) throw new TributaryError("invalid_query", `consumer query parameter: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

const get = async (c: AppContext) => {
  const project = projectOf(c);
  const path = streamPathOf(c, "/api/cursors");
  const consumer = consumerOf(c);
  const stored = await c.var.parts.store.getCursor(project, path, consumer);
  // `exists` tells a consumer's first run (never stored) from one that stored 0.
  return c.json({ project, path, consumer, offset: stored ?? 0, exists: stored !== undefined });
};

const put = async (c: AppContext) => {
  const project = projectOf(c);
  const path = streamPathOf(c, "/api/cursors");
  const consumer = consumerOf(c);
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new TributaryError("invalid_json", 'The body must be JSON such as {"offset": 12}.');
  }
  checkJsonDepth(body);
  const parsed = cursorBodySchema.safeParse(body);
  if (!parsed.success) throw new TributaryError("invalid_request", `Invalid cursor: ${describeIssues(parsed.error)}.`);
  await c.var.parts.store.setCursor(project, path, consumer, parsed.data.offset);
  return c.json({ project, path, consumer, offset: parsed.data.offset });
};

for (const route of ["/api/cursors", "/api/cursors/*"]) {
  cursorRoutes.get(route, get);
  cursorRoutes.put(route, put);
}

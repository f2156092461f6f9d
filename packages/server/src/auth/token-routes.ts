import { Hono } from "hono";
import { z } from "zod";
import { describeIssues, TributaryError } from "@tributary/protocol";
import { projectOf, type AppContext, type AppEnv } from "../context.ts";
import { checkJsonDepth } from "../http/json-depth.ts";
import type { TokenRecord } from "./token-store.ts";
import { administers, checkScope, formatScope, parseScope, type Scope } from "./scope.ts";

/**
 * Tokens over the API, for a token with `admin` scopes (only on a server started with `--auth`):
 * - `POST /api/tokens` `{"name": "ci", "scopes": ["append:/ci", "read:/ci"]}` → 201 with the token, shown
 *   this once (only its hash is kept). A scope is `kind:path` (in the request's project),
 *   `kind:project:path`, or `{kind, project, path}`; the caller's admin scopes must cover each.
 * - `GET /api/tokens` lists the tokens the caller administers (never the tokens themselves).
 * - `DELETE /api/tokens/<id>` revokes one; it stops working at once on this server, within 5 s on others.
 */
export const tokenRoutes = new Hono<AppEnv>();

const createSchema = z
  .object({
    name: z.string().min(1).max(100),
    scopes: z.array(z.union([z.string(), z.object({ kind: z.string(), project: z.string(), path: z.string() })])).min(1, "scopes must hold at least one scope"),
  })
  .strict();

function authOf(c: AppContext) {
  const auth = c.var.parts.security.auth;
  if (!auth) throw new TributaryError("invalid_request", "This server runs without --auth, so it has no tokens. Start it with --auth to use them.");
  return auth;
}

const shown = (record: TokenRecord) => ({
  id: record.id,
  name: record.name,
  scopes: record.scopes.map(formatScope),
  createdAt: record.createdAt,
});

function callerScopes(c: AppContext): Scope[] {
  return c.var.identity?.scopes ?? [];
}

tokenRoutes.post("/api/tokens", async (c) => {
  const auth = authOf(c);
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new TributaryError("invalid_json", 'The body must be JSON such as {"name": "ci", "scopes": ["append:/ci"]}.');
  }
  checkJsonDepth(body);
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) throw new TributaryError("invalid_request", `Invalid token request: ${describeIssues(parsed.error)}.`);
  const project = projectOf(c);
  const scopes = parsed.data.scopes.map((scope) => (typeof scope === "string" ? parseScope(scope, project) : checkScope(scope)));
  if (!administers(callerScopes(c), scopes)) {
    throw new TributaryError("forbidden", `Creating this token needs admin over each of its scopes (${scopes.map(formatScope).join(", ")}).`, {
      missingScope: scopes.map((scope) => formatScope({ ...scope, kind: "admin" })).join(", "),
    });
  }
  const { token, record } = await auth.create(parsed.data.name, scopes);
  return c.json({ ...shown(record), token }, 201);
});

tokenRoutes.get("/api/tokens", async (c) => {
  const auth = authOf(c);
  const mine = callerScopes(c);
  if (!mine.some((scope) => scope.kind === "admin")) throw new TributaryError("forbidden", "Listing tokens needs an admin scope.", { missingScope: "admin:/" });
  const tokens = (await auth.list()).filter((record) => administers(mine, record.scopes));
  return c.json({ tokens: tokens.map(shown) });
});

tokenRoutes.delete("/api/tokens/:id", async (c) => {
  const auth = authOf(c);
  const id = c.req.param("id");
  const record = await auth.get(id);
  if (!record) throw new TributaryError("not_found", `There is no token '${id}'. GET /api/tokens lists them.`);
  if (!administers(callerScopes(c), record.scopes)) {
    throw new TributaryError(
      "forbidden",
      `Revoking token '${record.name}' needs admin over each of its scopes (${record.scopes.map(formatScope).join(", ")}).`,
    );
  }
  await auth.revoke(id);
  return c.json({ id, name: record.name, revoked: true });
});

import { Hono } from "hono";
import { describeIssues, TributaryError } from "@tributary/protocol";
import { projectOf, type AppContext, type AppEnv } from "../../context.ts";
import { checkJsonDepth } from "../../http/json-depth.ts";
import { decodePathPart } from "../../http/request-path.ts";
import { secretBodySchema, secretNameSchema } from "./secret-name.ts";

/**
 * Secrets: per project, stored outside every stream (encrypted, see secret-vault.ts), write-only over the
 * API. A subscription signs with one (`secretName`); a hosted processor's fetch may carry one as
 * `{{secret:NAME}}` in a header value, to the hosts in its `allowedHosts` only. The value never appears in
 * an event, a response or the state endpoint.
 *
 * - `PUT /api/secrets/<name>` with `{"value": "...", "allowedHosts": ["api.example.com"]}` (or the value as
 *   a text/plain body) stores or replaces it: 201 / 200.
 * - `DELETE /api/secrets/<name>` removes it: 200, or 404 when there is none.
 * - `GET /api/secrets` lists the names, their allowed hosts and when each was last set; never a value.
 */
export const secretRoutes = new Hono<AppEnv>();

function nameOf(c: AppContext): string {
  const raw = decodePathPart(new URL(c.req.url).pathname.slice("/api/secrets/".length), "secret name", "invalid_request");
  const parsed = secretNameSchema.safeParse(raw);
  if (!parsed.success) throw new TributaryError("invalid_request", `Invalid secret name ${JSON.stringify(raw)}: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

secretRoutes.get("/api/secrets", async (c) => {
  const project = projectOf(c);
  return c.json({ project, secrets: await c.var.parts.secrets.list(project) });
});

secretRoutes.put("/api/secrets/*", async (c) => {
  const project = projectOf(c);
  const name = nameOf(c);
  const text = await c.req.text();
  let value: string;
  let allowedHosts: string[] = [];
  if ((c.req.header("content-type") ?? "").startsWith("text/plain")) {
    value = text;
  } else {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TributaryError("invalid_json", 'The body must be JSON such as {"value": "..."} (or send the value as text/plain).');
    }
    checkJsonDepth(body);
    const parsed = secretBodySchema.safeParse(body);
    if (!parsed.success) throw new TributaryError("invalid_request", `Invalid secret: ${describeIssues(parsed.error)}.`);
    value = parsed.data.value;
    allowedHosts = parsed.data.allowedHosts ?? [];
  }
  const checked = secretBodySchema.safeParse({ value });
  if (!checked.success) throw new TributaryError("invalid_request", `Invalid secret: ${describeIssues(checked.error)}.`);
  const { created, updatedAt } = await c.var.parts.secrets.put(project, name, { value, allowedHosts });
  return c.json({ project, name, allowedHosts, updatedAt }, created ? 201 : 200);
});

secretRoutes.delete("/api/secrets/*", async (c) => {
  const project = projectOf(c);
  const name = nameOf(c);
  if (!(await c.var.parts.secrets.delete(project, name))) {
    throw new TributaryError("not_found", `There is no secret '${name}' in project ${project}.`);
  }
  return c.json({ project, name, deleted: true });
});

secretRoutes.get("/api/secrets/*", (c) => {
  throw new TributaryError("method_not_allowed", `Secrets are write-only: ${c.req.path} cannot be read. GET /api/secrets lists the names.`);
});

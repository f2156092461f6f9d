import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/**
 * `GET /api/health`: the process answers (liveness) and, on PostgreSQL, what the database looks like
 * (`ready`, `database.latencyMs`, `database.live`) and whether this server runs the built-ins' side effects
 * (`builtins`: `running` on the lease holder, `standby` elsewhere) and, with `--cluster-secret`, the write
 * routing's figures (`routing`: live `members`, appends `forwarded` to owners and `direct`, `handledAppends`
 * for others, `busyAnswers` from owners at their CPU quota). `GET /api/health?ready` is for a load balancer: 503 with
 * `Retry-After` while the database cannot be reached, so traffic goes to servers that can serve it. A
 * store without a health check (SQLite in the process) is always ready and answers `{"ok": true}`.
 */
export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get("/api/health", async (c) => {
  const { store, runsBuiltins, routing } = c.get("parts");
  if (!store.health) return c.json({ ok: true });
  const database = await store.health();
  const body = { ok: true, ready: database.ok, database, builtins: runsBuiltins?.() ? "running" : "standby", ...(routing ? { routing: routing() } : {}) };
  if (c.req.query("ready") !== undefined && !database.ok) return c.json(body, 503, { "retry-after": "1" });
  return c.json(body);
});

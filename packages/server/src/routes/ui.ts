import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/** The web UI's static files (packages/ui/public), served at `/`. Any non-file path serves index.html. */
export const uiRoutes = new Hono<AppEnv>();

const root = fileURLToPath(new URL("../../../ui/public/", import.meta.url));
const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

uiRoutes.get("/*", async (c) => {
  if (c.req.path === "/api" || c.req.path.startsWith("/api/")) return c.notFound();
  const requested = normalize(decodeURIComponent(c.req.path)).replace(/^(\.\.[/\\])+/, "");
  const file = extname(requested) ? join(root, requested) : join(root, "index.html");
  if (!file.startsWith(root)) return c.notFound();
  try {
    const body = await readFile(file);
    return c.body(body, 200, { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
  } catch {
    return c.notFound();
  }
});

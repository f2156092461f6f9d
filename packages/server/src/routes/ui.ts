import { readFile } from "node:fs/promises";
import { stripTypeScriptTypes } from "node:module";
import { extname, join, normalize } from "node:path";
import { uiAssets } from "@tributary/ui/assets";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { decodePathPart } from "../http/request-path.ts";
import { rewriteVendorImports, vendorFile } from "./ui-vendor.ts";

/**
 * The web UI, served at `/` (any non-file path serves index.html). In this repository: static files from
 * packages/ui/public and the UI's TypeScript modules from packages/ui/src at `/src/*.ts`. Installed from npm:
 * @tributary/ui's build, whose content-hashed bundle under `/assets/` is cached for good.
 */
export const uiRoutes = new Hono<AppEnv>();

const root = uiAssets.root;
const sourceRoot = uiAssets.sourceRoot;
const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

uiRoutes.get("/*", async (c) => {
  if (c.req.path === "/api" || c.req.path.startsWith("/api/")) return c.notFound();
  const requested = normalize(decodePathPart(c.req.path, "path")).replace(/^(\.\.[/\\])+/, "");
  if (sourceRoot && requested.startsWith("/src/") && extname(requested) === ".ts") {
    const file = join(sourceRoot, requested.slice("/src/".length));
    if (!file.startsWith(sourceRoot)) return c.notFound();
    let source: string;
    try {
      source = await readFile(file, "utf8");
    } catch {
      return c.notFound();
    }
    // No build step: the UI uses erasable TypeScript only, so blanking the types out (positions kept, so
    // the browser's stack traces match the source) yields the JavaScript module.
    return c.body(rewriteVendorImports(stripTypeScriptTypes(source)), 200, { "content-type": types[".js"]!, "cache-control": "no-cache" });
  }
  const vendor = /^\/vendor\/([a-z-]+)\.js$/.exec(requested);
  if (vendor) {
    const file = vendorFile(vendor[1]!);
    if (!file) return c.notFound();
    return c.body(await readFile(file, "utf8"), 200, { "content-type": types[".js"]!, "cache-control": "no-cache" });
  }
  // Browsers ask for /favicon.ico by themselves (and so do docs pages opened alone): the SVG icon answers.
  const asked = requested === "/favicon.ico" ? "/favicon.svg" : requested;
  const file = extname(asked) ? join(root, asked) : join(root, "index.html");
  if (!file.startsWith(root)) return c.notFound();
  try {
    const body = await readFile(file);
    // A bundle's hashed assets never change under their name; everything else is revalidated.
    const cache = uiAssets.mode === "bundle" && requested.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    return c.body(body, 200, { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": cache });
  } catch {
    return c.notFound();
  }
});

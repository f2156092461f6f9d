import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { TributaryError } from "@tributary/protocol";
import { secretRoutes } from "./builtins/secrets/secret-routes.ts";
import type { AppEnv, ServerParts } from "./context.ts";
import { tokenRoutes } from "./auth/token-routes.ts";
import { setSecurityHeaders } from "./browser/security-headers.ts";
import { securityMiddleware } from "./security.ts";
import { refuseDotSegments } from "./http/request-path.ts";
import { cursorRoutes } from "./routes/cursors.ts";
import { docsRoutes } from "./routes/docs.ts";
import { durableStreamsRoutes } from "./routes/durable-streams/ds-routes.ts";
import { healthRoutes } from "./routes/health.ts";
import { listingRoutes } from "./routes/listing.ts";
import { stateRoutes } from "./routes/state.ts";
import { streamRoutes } from "./routes/streams.ts";
import { uiRoutes } from "./routes/ui.ts";

/**
 * The HTTP application: routes only. Every error leaves through `onError` as JSON with a stable code.
 *
 * @example
 * const app = createApp(parts); // parts from createServer
 */
export function createApp(parts: ServerParts): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("parts", parts);
    refuseDotSegments(c);
    await next();
    setSecurityHeaders(c.res);
  });
  const tooLarge = () => {
    throw new TributaryError("body_too_large", `The request body is larger than ${parts.limits.maxBodyBytes} bytes.`, {
      limit: parts.limits.maxBodyBytes,
    });
  };
  const countingLimit = bodyLimit({ maxSize: parts.limits.maxBodyBytes, onError: tooLarge });
  const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
    // With a Content-Length the check is one comparison; only bodies of unknown length (chunked) are
    // counted while read, which costs a wrapped Request per request.
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "DELETE") return next();
    const path = c.req.path;
    if (!(path.startsWith("/api/") || path.startsWith("/v1/") || path === "/api" || path === "/v1")) return next();
    const length = c.req.header("content-length");
    if (length === undefined) return countingLimit(c, next);
    if (Number(length) > parts.limits.maxBodyBytes) tooLarge();
    await next();
  };
  // Everything before a route, in one chain: the guards, then the body limit (on /api/* and /v1/*).
  app.use(...securityMiddleware(parts.security, limitBody));
  app.route("/", healthRoutes);
  app.route("/", streamRoutes);
  app.route("/", listingRoutes);
  app.route("/", stateRoutes);
  app.route("/", cursorRoutes);
  app.route("/", docsRoutes);
  app.route("/", secretRoutes);
  app.route("/", durableStreamsRoutes);
  app.route("/", tokenRoutes);
  app.route("/", uiRoutes);

  app.notFound((c) => {
    const known = ["/api/streams", "/api/children", "/api/tree", "/api/state", "/api/cursors"].some((prefix) => c.req.path.startsWith(prefix));
    const error = known
      ? new TributaryError("method_not_allowed", `${c.req.method} is not supported on ${c.req.path}. See /api/docs.`)
      : new TributaryError("not_found", `No route for ${c.req.method} ${c.req.path}. See /api/docs.`);
    return c.json(error.toBody(), error.status as 404 | 405, { "content-type": "application/problem+json" });
  });

  app.onError((error, c) => {
    if (error instanceof TributaryError) {
      const retryAfter = error.details.retryAfterSeconds;
      const headers: Record<string, string> = { "content-type": "application/problem+json" };
      if (typeof retryAfter === "number") headers["retry-after"] = String(retryAfter);
      return c.json(error.toBody(), error.status as 400, headers);
    }
    parts.logger.error("request failed", { method: c.req.method, path: c.req.path, error: error.stack ?? String(error) });
    const internal = new TributaryError("internal_error", "The server failed to handle the request; the error is in its log.");
    return c.json(internal.toBody(), 500, { "content-type": "application/problem+json" });
  });
  return app;
}

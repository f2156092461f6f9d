import { requestHeaders } from "@tributary/protocol";
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { authMiddleware } from "./auth/auth-middleware.ts";
import { createRateLimiter } from "./auth/rate-limiter.ts";
import { hostGuard } from "./browser/host-guard.ts";
import { isLoopbackHost } from "./browser/loopback-host.ts";
import { originGuard } from "./browser/origin-guard.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { selfCallGuard } from "./outbound/self-call-guard.ts";
import type { Security, SecurityOptions } from "./security-settings.ts";

/**
 * Creates a server's security settings.
 *
 * @example
 * const security = createSecurity({ host: "127.0.0.1" });
 */
export function createSecurity(options: SecurityOptions): Security {
  return { ...options, outboundMark: randomUUID() };
}

/** A check of a request before any route sees it: throws the refusal (a `TributaryError`). */
export type RequestCheck = (c: AppContext) => void;

/**
 * The checks every request passes before a route sees it, in this order (the protective response
 * headers are set around them, in app.ts): the `Host` check on a loopback bind (DNS rebinding); CORS for
 * the allowed origins; refusal of state-changing requests from other origins; the self-call guard;
 * tokens and scopes under `--auth`; then `tail` (the body limit). Consecutive checks run in one
 * middleware: each middleware layer costs every request a closure and a promise.
 *
 * @example
 * app.use(...securityMiddleware(parts.security, limitBody));
 */
export function securityMiddleware(security: Security, tail?: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv>[] {
  const origins = security.corsOrigins ?? [];
  const chain: MiddlewareHandler<AppEnv>[] = [];
  let checks: RequestCheck[] = [];
  const flush = () => {
    if (checks.length > 0) chain.push(runChecks(checks));
    checks = [];
  };
  if (isLoopbackHost(security.host)) checks.push(hostGuard(security.host, security.allowedHosts));
  if (origins.length > 0) {
    flush();
    chain.push(
      cors({
        origin: origins.includes("*") ? "*" : origins,
        allowHeaders: ["authorization", "content-type", requestHeaders.project, requestHeaders.strict, requestHeaders.lastEventId],
        allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE"],
        exposeHeaders: ["retry-after", "tributary-idempotent-replay"],
        maxAge: 600,
      }),
    );
  }
  checks.push(originGuard(origins), selfCallGuard(security.outboundMark));
  if (security.auth) {
    flush();
    chain.push(authMiddleware(security.auth, security.rateLimit ? createRateLimiter(security.rateLimit) : undefined));
  }
  chain.push(runChecks(checks, tail));
  return chain;
}

/** One middleware running `checks` in order, then `tail` (or the next middleware). */
function runChecks(checks: readonly RequestCheck[], tail?: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const check of checks) check(c);
    if (tail) return tail(c, next);
    await next();
  };
}

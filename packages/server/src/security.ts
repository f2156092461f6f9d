import { requestHeaders } from "@tributary/protocol";
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { authMiddleware } from "./auth/auth-middleware.ts";
import { createRateLimiter } from "./auth/rate-limiter.ts";
import { hostGuard } from "./browser/host-guard.ts";
import { isLoopbackHost } from "./browser/loopback-host.ts";
import { originGuard } from "./browser/origin-guard.ts";
import { securityHeaders } from "./browser/security-headers.ts";
import type { AppEnv } from "./context.ts";
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

/**
 * The checks every request passes before a route sees it, in this order: protective response headers;
 * the `Host` check on a loopback bind (DNS rebinding); CORS for the allowed origins; refusal of
 * state-changing requests from other origins; the self-call guard; tokens and scopes under `--auth`.
 *
 * @example
 * app.use(...securityMiddleware(parts.security));
 */
export function securityMiddleware(security: Security): MiddlewareHandler<AppEnv>[] {
  const origins = security.corsOrigins ?? [];
  const chain: MiddlewareHandler<AppEnv>[] = [securityHeaders()];
  if (isLoopbackHost(security.host)) chain.push(hostGuard(security.host, security.allowedHosts));
  if (origins.length > 0) {
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
  chain.push(originGuard(origins), selfCallGuard(security.outboundMark));
  if (security.auth) chain.push(authMiddleware(security.auth, security.rateLimit ? createRateLimiter(security.rateLimit) : undefined));
  return chain;
}

import { randomUUID } from "node:crypto";
import { every } from "hono/combine";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";
import { selfCallGuard } from "./outbound/self-call-guard.ts";

/** Everything the HTTP layer needs to decide who may do what, from where; one per server. */
export interface Security {
  /** Random per server: marks its own outbound calls so a call that comes back stays in its project. */
  outboundMark: string;
}

/**
 * Creates a server's security settings.
 *
 * @example
 * const security = createSecurity();
 */
export function createSecurity(): Security {
  return { outboundMark: randomUUID() };
}

/**
 * The checks every request passes before a route sees it, in order.
 *
 * @example
 * app.use(securityMiddleware(parts.security));
 */
export function securityMiddleware(security: Security): MiddlewareHandler<AppEnv> {
  return every(selfCallGuard(security.outboundMark));
}

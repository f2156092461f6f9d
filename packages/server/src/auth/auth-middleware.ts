import type { MiddlewareHandler } from "hono";
import { TributaryError } from "@tributary/protocol";
import type { AppEnv } from "../context.ts";
import type { Auth } from "./auth.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { requiredFor } from "./required-scope.ts";
import { missingScopeError } from "./require-scopes.ts";

const problem = { "content-type": "application/problem+json" };

/** The bearer token of a request: `Authorization: Bearer …`, or `access_token` on a GET (an EventSource cannot send headers). */
function tokenOf(authorization: string | undefined, method: string, query: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (match) return match[1];
  return method === "GET" || method === "HEAD" ? query || undefined : undefined;
}

/**
 * Authentication and authorisation under `--auth`, for every route (see required-scope.ts):
 * 401 without a valid token, 429 with `Retry-After` past the token's rate limit, 403 naming the missing
 * scope. The identity is kept on the request for provenance.
 *
 * @example
 * app.use(authMiddleware(auth, limiter));
 */
export function authMiddleware(auth: Auth, limiter: RateLimiter | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return next();
    const requirement = requiredFor(c);
    if (requirement.kind === "public") return next();
    const token = tokenOf(c.req.header("authorization"), c.req.method, c.req.query("access_token"));
    const refuse = (error: TributaryError, headers: Record<string, string> = {}) => c.json(error.toBody(), error.status as 401, { ...problem, ...headers });
    if (token === undefined) {
      return refuse(
        new TributaryError("unauthorized", "This server requires a token: send Authorization: Bearer <token> (the CLI and SDK read TRIBUTARY_TOKEN)."),
        { "www-authenticate": 'Bearer realm="tributary"' },
      );
    }
    const identity = await auth.authenticate(token);
    if (identity === undefined) {
      return refuse(new TributaryError("unauthorized", "This token is not valid: it was revoked, or mistyped."), {
        "www-authenticate": 'Bearer realm="tributary", error="invalid_token"',
      });
    }
    const retryAfter = limiter?.take(identity.id);
    if (retryAfter !== undefined) {
      return refuse(new TributaryError("rate_limited", `Too many requests with token '${identity.name}'; retry in ${retryAfter} s.`, { retryAfter }), {
        "retry-after": String(retryAfter),
      });
    }
    const forbidden = requirement.kind === "scope" ? missingScopeError(identity, [requirement.scope, ...(requirement.also ?? [])]) : undefined;
    if (forbidden !== undefined) return refuse(forbidden);
    c.set("identity", identity);
    await next();
  };
}

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";

/**
 * The protective headers on every response: a strict content security policy for the UI and the docs
 * (scripts, styles, images and connections only from this server, no plugins, no `<base>` tricks, no
 * framing: `frame-ancestors 'none'` and `X-Frame-Options: DENY`), `nosniff` (a stored event served as
 * JSON is never run as a script or rendered as HTML) and no referrer (stream paths stay private). Inline
 * styles stay allowed (the docs pages carry one `<style>` block and the UI sets style attributes);
 * inline and foreign scripts do not. The rest is what Hono's secure-headers middleware sets by default,
 * less HSTS (plain http on localhost is the common case; HSTS belongs to the TLS proxy in front of a
 * network server) and `Cross-Origin-Resource-Policy` (other origins allowed with --cors-origin read
 * through CORS, which that header would block).
 *
 * Written out once as a plain list: setting them one by one on each response's `Headers` was a visible
 * share of an append's cost.
 */
export const securityHeaderEntries: readonly (readonly [string, string])[] = [
  ["cross-origin-opener-policy", "same-origin"],
  ["origin-agent-cluster", "?1"],
  ["referrer-policy", "no-referrer"],
  ["x-content-type-options", "nosniff"],
  ["x-dns-prefetch-control", "off"],
  ["x-download-options", "noopen"],
  ["x-frame-options", "DENY"],
  ["x-permitted-cross-domain-policies", "none"],
  ["x-xss-protection", "0"],
  [
    "content-security-policy",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  ],
];

/** The security headers as a plain object, to spread into a response's headers (see `securedResponse`). */
const securityHeaderObject: Readonly<Record<string, string>> = Object.fromEntries(securityHeaderEntries);

// Responses built by `securedResponse` already carry the headers; the middleware leaves them as they are.
// A property marks them, not a WeakSet: adding each (young) response to a WeakSet cost V8 an ephemeron
// remembered-set entry per response, a visible share of an append's profile.
const secured = Symbol("tributary.secured");
type Marked = Response & { [secured]?: true };

/**
 * A response that already carries the security headers, with its headers as a plain object: the
 * middleware does not touch it, and the Node adapter writes it without building a `Headers` (the hot
 * routes' responses: an append's).
 *
 * @example
 * return securedResponse(json, 201, { "content-type": "application/json" });
 */
export function securedResponse(body: string, status: number, headers: Readonly<Record<string, string>>): Response {
  let merged = mergedHeaders.get(headers);
  if (!merged) mergedHeaders.set(headers, (merged = { ...securityHeaderObject, ...headers }));
  const response: Marked = new Response(body, { status, headers: merged });
  response[secured] = true;
  return response;
}

/**
 * The security headers merged with a route's own, per headers object: a route that passes the same
 * (constant) object each time gets the same merged one, instead of a copy of eleven headers per
 * response. Neither Hono nor its Node adapter changes a response's plain headers object (they copy it first).
 */
const mergedHeaders = new WeakMap<Readonly<Record<string, string>>, Record<string, string>>();

/**
 * Sets the security headers on every response that does not carry them yet (replacing a route's own
 * value of one of them), and removes `X-Powered-By`.
 *
 * @example
 * app.use(securityHeaders());
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    setSecurityHeaders(c.res);
  };
}

/** What `securityHeaders` does to a response after the route. */
export function setSecurityHeaders(response: Response): void {
  if ((response as Marked)[secured]) return;
  const headers = response.headers;
  for (const [name, value] of securityHeaderEntries) headers.set(name, value);
  headers.delete("x-powered-by");
}

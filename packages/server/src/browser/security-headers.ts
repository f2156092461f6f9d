import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";

/**
 * The protective headers of a document (the UI's and the docs' pages, their scripts, styles and images): a
 * strict content security policy (scripts, styles, images and connections only from this server, no
 * plugins, no `<base>` tricks, no framing: `frame-ancestors 'none'` and `X-Frame-Options: DENY`), `nosniff`
 * and no referrer (stream paths stay private). Inline styles stay allowed (the docs pages carry one
 * `<style>` block and the UI sets style attributes); inline and foreign scripts do not. The rest is what
 * Hono's secure-headers middleware sets by default, less HSTS (plain http on localhost is the common case;
 * HSTS belongs to the TLS proxy in front of a network server) and `Cross-Origin-Resource-Policy` (other
 * origins allowed with --cors-origin read through CORS, which that header would block).
 *
 * Written out once as a plain list: setting them one by one on each response's `Headers` was a visible
 * share of an append's cost.
 */
export const documentHeaderEntries: readonly (readonly [string, string])[] = [
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

/**
 * The protective headers of data (JSON, problem+json, NDJSON, SSE, plain text: every API answer): what
 * keeps a browser from ever treating it as a page. `nosniff` (a stored event is never run as a script or
 * rendered as HTML), a content security policy under which it could load and run nothing and be framed
 * nowhere (stricter than a document's), `X-Frame-Options: DENY` for older browsers, and no referrer. These
 * are the REST headers of OWASP's cheat sheet; the document-only ones (the opener policy, the origin agent
 * cluster, DNS prefetching, download options, cross-domain policy files, the XSS auditor) act on pages, which
 * a data answer is not. Four headers instead of ten: about 350 bytes less for every append's answer to write
 * and for every client to read.
 */
export const dataHeaderEntries: readonly (readonly [string, string])[] = [
  ["referrer-policy", "no-referrer"],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
];

/** The data headers as a plain object, to spread into a response's headers (`securedResponse`, the streamed reads). */
export const dataHeaderObject: Readonly<Record<string, string>> = Object.fromEntries(dataHeaderEntries);

/** The content types answered with the data headers; any other (HTML, scripts, styles, images, none) gets a document's. */
const dataType = /^(?:application\/(?:json|problem\+json|x-ndjson)|text\/(?:event-stream|plain))\b/i;

// Responses built by `securedResponse` already carry the headers; the middleware leaves them as they are.
// A property marks them, not a WeakSet: adding each (young) response to a WeakSet cost V8 an ephemeron
// remembered-set entry per response, a visible share of an append's profile.
const secured = Symbol("tributary.secured");
type Marked = Response & { [secured]?: true };

/**
 * A data response (JSON: an append's answer) that already carries the data headers, with its headers as a
 * plain object: the middleware does not touch it, and the Node adapter writes it without building a
 * `Headers` (the hot routes' responses: an append's).
 *
 * @example
 * return securedResponse(json, 201, { "content-type": "application/json" });
 */
export function securedResponse(body: string, status: number, headers: Readonly<Record<string, string>>): Response {
  let merged = mergedHeaders.get(headers);
  if (!merged) mergedHeaders.set(headers, (merged = { ...dataHeaderObject, ...headers }));
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
 * value of one of them): a data response's (by its content type) or a document's; and removes `X-Powered-By`.
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
  for (const [name, value] of dataType.test(headers.get("content-type") ?? "") ? dataHeaderEntries : documentHeaderEntries) headers.set(name, value);
  headers.delete("x-powered-by");
}

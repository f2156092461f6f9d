import { secureHeaders } from "hono/secure-headers";

/**
 * The protective headers on every response (Hono's secure-headers middleware): a strict content security
 * policy for the UI and the docs (scripts, styles, images and connections only from this server, no
 * plugins, no `<base>` tricks, no framing: `frame-ancestors 'none'` and `X-Frame-Options: DENY`),
 * `nosniff` (a stored event served as JSON is never run as a script or rendered as HTML) and no referrer
 * (stream paths stay private). Inline styles stay allowed (the docs pages carry one `<style>` block and
 * the UI sets style attributes); inline and foreign scripts do not.
 *
 * @example
 * app.use(securityHeaders());
 */
export function securityHeaders() {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    // Plain http on localhost is the common case; HSTS belongs to the TLS proxy in front of a network server.
    strictTransportSecurity: false,
    // Other origins allowed with --cors-origin read through CORS, which this header does not block.
    crossOriginResourcePolicy: false,
  });
}

import { TributaryError } from "@tributary/protocol";
import type { AppContext } from "../context.ts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests (POST, PUT, PATCH, DELETE) sent by a web page of another origin, unless
 * that origin is allowed (`--cors-origin`). A browser always sends `Origin` with such requests, so any web
 * page a user visits can no longer write to a server it can reach (a cross-origin `text/plain` POST
 * needs no preflight, so without this it would be stored). Clients that are not browsers (curl, the SDK,
 * webhooks) send no `Origin` and are unaffected. Same-origin requests (the UI) pass.
 *
 * A check (see security.ts), which throws the refusal.
 *
 * @example
 * const check = originGuard(["https://app.example.com"]);
 */
export function originGuard(allowedOrigins: readonly string[]): (c: AppContext) => void {
  const allowed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  return (c) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !safeMethods.has(c.req.method) && !allowed.has("*") && !allowed.has(origin.toLowerCase())) {
      const own = `${new URL(c.req.url).protocol}//${c.req.header("host") ?? ""}`.toLowerCase();
      if (origin.toLowerCase() !== own) {
        throw new TributaryError(
          "origin_not_allowed",
          `A web page at ${origin} may not change this server; start it with --cors-origin ${origin} to allow that origin.`,
        );
      }
    }
  };
}

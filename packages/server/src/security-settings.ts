import type { Auth } from "./auth/auth.ts";
import type { RateLimit } from "./auth/rate-limiter.ts";

// The settings alone, apart from the middleware that applies them (security.ts), so the request context
// (context.ts) can name them without importing the middleware that imports it.

export interface SecurityOptions {
  /** The address the server binds; a loopback one turns the `Host` check on. */
  host: string;
  /** Tokens and scopes (`--auth`); undefined: every request is anonymous and allowed. */
  auth?: Auth;
  /** Web origins allowed to call the API from a browser (`--cors-origin`); `*` for any. */
  corsOrigins?: string[];
  /** Further names the server may be reached by on a loopback bind (a name in /etc/hosts). */
  allowedHosts?: string[];
  /** Per token (`--rate-limit`); undefined: none. */
  rateLimit?: RateLimit;
}

/** Everything the HTTP layer needs to decide who may do what, from where; one per server. */
export interface Security extends SecurityOptions {
  /** Random per server: marks its own outbound calls so a call that comes back stays in its project. */
  outboundMark: string;
}

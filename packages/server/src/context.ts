import type { RoutingCounts } from "./cluster/write-router.ts";
import type { Context } from "hono";
import type { HttpBindings } from "@hono/node-server";
import { parseProject, parseStreamPath, projectHeader, type StreamPath } from "@tributary/protocol";
import type { Appender } from "./append/appender.ts";
import type { SecretVault } from "./builtins/secrets/secret-vault.ts";
import type { BuiltinHost } from "./builtins/builtin-host.ts";
import type { DocumentedEventType } from "./docs/event-type-docs.ts";
import type { LiveHub } from "./live/live-hub.ts";
import type { Logger } from "./logger.ts";
import type { Identity } from "./auth/auth.ts";
import type { Security } from "./security-settings.ts";
import type { StreamStore } from "./store/stream-store.ts";

/** Server limits, each with a default (`startServer({ limits })`). */
export interface Limits {
  maxBodyBytes: number;
  maxEventBytes: number;
  /** Unsent bytes a live reader may fall behind by before it is disconnected. */
  maxReaderBufferBytes: number;
  heartbeatMs: number;
  /** Offsets a filtered read (`types=`, `q=`) examines per store call before it yields to other requests. */
  filterScanWindow: number;
  /** How long a Durable Streams long-poll waits for data before it answers 204. */
  longPollMs: number;
  /** Events folded past a stream's last built-in state snapshot before the next is stored (cold start reads only what follows it). */
  snapshotEvery: number;
}

/** Everything a route needs, created once per server. */
export interface ServerParts {
  store: StreamStore;
  hub: LiveHub;
  appender: Appender;
  builtins: BuiltinHost;
  logger: Logger;
  limits: Limits;
  /** Who may do what, from where (auth, the browser guards, the outbound mark). */
  security: Security;
  /** Event types documented besides the built-ins (ServerOptions.eventTypes), by type. */
  eventTypes: ReadonlyMap<string, DocumentedEventType>;
  /** Secrets, encrypted at rest; write-only over the API. */
  secrets: SecretVault;
  /** Whether this server runs the built-ins' side effects now (holds the built-ins lease in time). */
  runsBuiltins?: () => boolean;
  /** With routing on (`--cluster-secret`): the live members and how many appends were forwarded or handled (cluster/write-router.ts). */
  routing?: () => RoutingCounts;
}

/** `identity`: who sent the request, under `--auth` (set by the auth middleware; provenance reads it). */
export type AppEnv = { Bindings: HttpBindings; Variables: { parts: ServerParts; identity?: Identity } };
export type AppContext = Context<AppEnv>;

/** The project a request names by header or `project` query parameter. */
export function projectOf(c: AppContext): string {
  return parseProject(c.req.header(projectHeader) ?? c.req.query("project"));
}

// A request path the URL parser gives back as it is: no ".", "%" or "\" and nothing it percent-encodes.
const plainPath = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@/]*$/;

/**
 * The stream path after a route prefix, taken from the raw URL so `%2F` works as a slash. A plain raw
 * request target (most are) is its own pathname; anything else is parsed as a URL.
 */
export function streamPathOf(c: AppContext, prefix: string): StreamPath {
  const target = c.env?.incoming?.url;
  if (target !== undefined) {
    const query = target.indexOf("?");
    const raw = query < 0 ? target : target.slice(0, query);
    if (plainPath.test(raw)) return parseStreamPath(raw.slice(prefix.length));
  }
  const pathname = new URL(c.req.url).pathname;
  return parseStreamPath(pathname.slice(prefix.length));
}

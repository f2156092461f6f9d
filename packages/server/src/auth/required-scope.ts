import { parseStreamPath } from "@tributary/protocol";
import { projectOf, type AppContext } from "../context.ts";
import type { Scope, ScopeKind } from "./scope.ts";

/**
 * What a request needs under `--auth`:
 * - `public`: the health check, the API and event-type docs (generated from code; no stream data) and the
 *   UI's static files (the UI then asks for a token for its API calls);
 * - `token`: any valid token (the token routes judge the rest themselves);
 * - a scope on a project and stream path.
 * Anything not listed needs `admin` on the whole project, so a route added later is closed until it is
 * listed here.
 */
/** `also`: further scopes the request needs (a Durable Streams fork reads its source). */
export type Requirement = { kind: "public" } | { kind: "token" } | { kind: "scope"; scope: Scope; also?: Scope[] };

const readMethods = new Set(["GET", "HEAD"]);

/** Routes over a stream path: the prefix, and the scope kind each method needs. */
const streamRoutes: { prefix: string; kind: (method: string) => ScopeKind }[] = [
  { prefix: "/api/streams", kind: (method) => (readMethods.has(method) ? "read" : method === "DELETE" ? "admin" : "append") },
  { prefix: "/api/children", kind: () => "read" },
  { prefix: "/api/tree", kind: () => "read" },
  { prefix: "/api/state", kind: () => "read" },
  { prefix: "/api/cursors", kind: (method) => (readMethods.has(method) ? "read" : "append") },
  // The Durable Streams face (routes/durable-streams/): PUT creates, POST appends.
  { prefix: "/v1/stream", kind: (method) => (readMethods.has(method) ? "read" : method === "DELETE" ? "admin" : "append") },
];

const publicApi = [/^\/api\/health$/, /^\/api\/openapi\.json$/, /^\/api\/docs(\/.*)?$/];

const under = (pathname: string, prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);

/**
 * Decides what a request needs. The stream path and project are read exactly as the routes read them
 * (raw URL, `%2F` as a slash; header before query), so a check and its route never disagree.
 *
 * @example
 * requiredFor(c); // { kind: "scope", scope: { kind: "append", project: "default", path: "/me" } }
 */
export function requiredFor(c: AppContext): Requirement {
  const pathname = new URL(c.req.url).pathname;
  const method = c.req.method;
  if (publicApi.some((pattern) => pattern.test(pathname)) && readMethods.has(method)) return { kind: "public" };
  if (under(pathname, "/api/tokens")) return { kind: "token" };
  const project = projectOf(c);
  // A fork (`POST /api/streams/<path>/fork {atOffset, to}`) needs read on the source and append on the
  // target named in its body; the route checks both (requireScopes), and appends otherwise need append.
  if (method === "POST" && pathname.startsWith("/api/streams/") && pathname.endsWith("/fork")) return { kind: "token" };
  for (const route of streamRoutes) {
    if (under(pathname, route.prefix)) {
      const scope: Scope = { kind: route.kind(method), project, path: parseStreamPath(pathname.slice(route.prefix.length)) };
      // A fork copies its source: creating one needs read on the source as well as append on the target.
      const forkedFrom = route.prefix === "/v1/stream" && method === "PUT" ? c.req.header("stream-forked-from") : undefined;
      if (forkedFrom !== undefined) {
        const source = forkedFrom.startsWith("/v1/stream/") ? forkedFrom.slice("/v1/stream".length) : forkedFrom;
        return { kind: "scope", scope, also: [{ kind: "read", project, path: parseStreamPath(source) }] };
      }
      return { kind: "scope", scope };
    }
  }
  // The UI's static files; any other route must be listed above, or it needs admin.
  if (!under(pathname, "/api") && !under(pathname, "/v1") && readMethods.has(method)) return { kind: "public" };
  return { kind: "scope", scope: { kind: "admin", project, path: "/" } };
}

import { TributaryError } from "@tributary/protocol";
import type { AppContext } from "../context.ts";

// What the WHATWG URL parser treats as a "." or ".." segment (case-insensitive), with "\" as a separator.
const dotSegment = /^(?:\.|%2e){1,2}$/i;

/**
 * Refuses a request whose path has a `.` or `..` segment (also written `%2e`), before any route sees it.
 * The URL parser would resolve them (`/api/streams/a/../b` becomes `/api/streams/b`), so a client that
 * shows the path it asked for (`/a/..`) would read or write another stream than the one it shows. The
 * raw request target is checked, since the parsed URL has already lost the segments.
 *
 * A check (see app.ts), which throws the refusal.
 *
 * @example
 * refuseDotSegments(c);
 */
export function refuseDotSegments(c: AppContext): void {
  const target = c.env?.incoming?.url ?? new URL(c.req.url).pathname;
  const query = target.indexOf("?");
  const pathname = query < 0 ? target : target.slice(0, query);
  // Most paths have no "." or "%2e" at all: nothing to split.
  if (!pathname.includes(".") && !/%2e/i.test(pathname)) return;
  if (pathname.split(/[/\\]/).some((segment) => dotSegment.test(segment))) {
    let resolved = "";
    try {
      resolved = ` (resolved, it would be ${new URL(pathname, "http://x").pathname})`;
    } catch {
      // unresolvable: say only what to fix
    }
    throw new TributaryError(
      "invalid_path",
      `The request path ${JSON.stringify(pathname)} has a '.' or '..' segment; the server does not resolve them, so that what a client shows is what it reads and writes. Send the path you mean${resolved}.`,
    );
  }
}

/**
 * `decodeURIComponent` for a part of a request path, with a 400 `code` naming `what` for bad
 * percent-encoding (such as `%E0%A4%A`) instead of a URIError that would answer 500.
 *
 * @example
 * const name = decodePathPart(pathname.slice("/api/secrets/".length), "secret name", "invalid_request");
 */
export function decodePathPart(raw: string, what: string, code: "invalid_path" | "invalid_request" | "not_found" = "invalid_path"): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new TributaryError(code, `The ${what} ${JSON.stringify(raw)} is not valid URL encoding (a '%' must be followed by two hex digits forming UTF-8).`);
  }
}

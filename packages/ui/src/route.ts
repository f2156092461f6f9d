/** What the page's hash names: nothing (the welcome page), a stream (maybe at an event), or a bad path. */
export type Route = { kind: "welcome" } | { kind: "stream"; path: string; offset?: number } | { kind: "invalid"; raw: string; message: string };

const segmentPattern = /^[A-Za-z0-9\-_.~]+$/;

/**
 * Reads the route from the hash: `#/jonas/agent` opens a stream, `#/jonas/agent@42` opens it at event 42
 * (a permalink). The path is checked with the server's rules (packages/protocol stream-path.ts): a `.` or
 * `..` segment is refused rather than resolved, because the browser would resolve it in the request URL
 * and the UI would show one stream while reading and writing another.
 *
 * @example
 * parseRoute("#/load/sensors@50000"); // { kind: "stream", path: "/load/sensors", offset: 50000 }
 */
export function parseRoute(hash: string): Route {
  let raw: string;
  try {
    raw = decodeURIComponent(hash.replace(/^#/, ""));
  } catch {
    return { kind: "invalid", raw: hash, message: "The address is not valid URL encoding." };
  }
  if (!raw.startsWith("/")) return { kind: "welcome" };
  const at = raw.lastIndexOf("@");
  const pathPart = at >= 0 ? raw.slice(0, at) : raw;
  const offsetPart = at >= 0 ? raw.slice(at + 1) : undefined;
  if (offsetPart !== undefined && !/^[1-9]\d{0,15}$/.test(offsetPart)) {
    return { kind: "invalid", raw, message: `"@${offsetPart}" is not an event offset (a positive integer).` };
  }
  const trimmed = pathPart.replace(/\/$/, "");
  if (trimmed === "") return offsetPart ? { kind: "stream", path: "/", offset: Number(offsetPart) } : { kind: "stream", path: "/" };
  for (const segment of trimmed.slice(1).split("/")) {
    if (segment === "") return { kind: "invalid", raw, message: `${pathPart} has an empty segment (//).` };
    if (segment === "." || segment === "..") return { kind: "invalid", raw, message: `Stream paths may not contain '.' or '..' segments: ${pathPart}.` };
    if (!segmentPattern.test(segment)) {
      return { kind: "invalid", raw, message: `The segment "${segment}" has characters outside letters, digits, '-', '_', '.' and '~'.` };
    }
  }
  return offsetPart ? { kind: "stream", path: trimmed, offset: Number(offsetPart) } : { kind: "stream", path: trimmed };
}

/** The hash of a stream, or of one of its events: `#/jonas/agent@42`. */
export function routeHref(path: string, offset?: number): string {
  return offset === undefined ? `#${path}` : `#${path}@${offset}`;
}

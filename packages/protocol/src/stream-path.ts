import { TributaryError } from "./errors.ts";

/** A validated stream path: `/` or `/seg/seg/...`. */
export type StreamPath = string & { readonly __brand?: "StreamPath" };

export const maxStreamPathLength = 1024;
/**
 * The most segments a path may have. Creating a stream announces it to every ancestor
 * (`stream/child-created`), so one append that creates a chain of n missing streams writes n(n+1)/2
 * events; this limit keeps that at most 528.
 */
export const maxStreamPathDepth = 32;
const segmentPattern = /^[A-Za-z0-9\-_.~]+$/;
/** A path already in the form `parseStreamPath` returns, with no segment starting with `.`: returned as it is. */
const canonicalPath = new RegExp(`^(?:/[A-Za-z0-9\\-_~][A-Za-z0-9\\-_.~]*){1,${maxStreamPathDepth}}$`);

/**
 * Parses and normalises a stream path. Accepts a leading slash or not, URL-encoded slashes (`%2F`)
 * and a trailing slash; rejects empty, `.` and `..` segments, characters outside `[A-Za-z0-9-_.~]`,
 * more than `maxStreamPathLength` characters and more than `maxStreamPathDepth` segments.
 *
 * @example
 * parseStreamPath("jonas%2Fagent") // "/jonas/agent"
 */
export function parseStreamPath(raw: string): StreamPath {
  // Most requests name a path as it is stored (every request parses one): one test instead of the steps below.
  if (raw.length <= maxStreamPathLength && canonicalPath.test(raw)) return raw;
  let decoded = raw;
  if (raw.includes("%")) {
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw new TributaryError("invalid_path", `Stream path ${JSON.stringify(raw)} is not valid URL encoding.`);
    }
  }
  if (decoded === "" || decoded === "/") return "/";
  const trimmed = decoded.replace(/^\/+/, "").replace(/\/$/, "");
  const segments = trimmed.split("/");
  if (segments.length > maxStreamPathDepth) {
    throw new TributaryError("invalid_path", `Stream path has ${segments.length} segments; the limit is ${maxStreamPathDepth}.`);
  }
  for (const segment of segments) {
    if (segment === "") {
      throw new TributaryError("invalid_path", `Stream path ${JSON.stringify(decoded)} has an empty segment (//).`);
    }
    if (segment === "." || segment === "..") {
      throw new TributaryError("invalid_path", `Stream path ${JSON.stringify(decoded)} may not contain '.' or '..' segments.`);
    }
    if (!segmentPattern.test(segment)) {
      throw new TributaryError("invalid_path", `Stream path segment ${JSON.stringify(segment)} has characters outside letters, digits, '-', '_', '.' and '~'.`);
    }
  }
  const path = `/${segments.join("/")}`;
  if (path.length > maxStreamPathLength) {
    throw new TributaryError("invalid_path", `Stream path is ${path.length} characters long; the limit is ${maxStreamPathLength}.`);
  }
  return path;
}

/** The parent of a path, or `undefined` for `/`. */
export function parentPath(path: StreamPath): StreamPath | undefined {
  if (path === "/") return undefined;
  const index = path.lastIndexOf("/");
  return index === 0 ? "/" : path.slice(0, index);
}

/** Every ancestor of a path, nearest first: `/a/b/c` → `/a/b`, `/a`, `/`. */
export function ancestorPaths(path: StreamPath): StreamPath[] {
  const result: StreamPath[] = [];
  for (let parent = parentPath(path); parent !== undefined; parent = parentPath(parent)) result.push(parent);
  return result;
}

/** True when `path` lies strictly below `ancestor`. */
export function isDescendantPath(path: StreamPath, ancestor: StreamPath): boolean {
  if (path === ancestor) return false;
  return ancestor === "/" ? true : path.startsWith(`${ancestor}/`);
}

/**
 * Resolves a path relative to a base stream, as a processor's `append({ path })` does: absolute paths
 * stand as they are; `.`, `./child` and `../sibling` resolve against `base`.
 *
 * @example
 * resolveStreamPath("/jonas/agent", "./researcher") // "/jonas/agent/researcher"
 * resolveStreamPath("/jonas/agent", "../other")     // "/jonas/other"
 */
export function resolveStreamPath(base: StreamPath, relative: string | undefined): StreamPath {
  if (relative === undefined || relative === "" || relative === ".") return base;
  if (relative.startsWith("/")) return parseStreamPath(relative);
  const segments = base === "/" ? [] : base.slice(1).split("/");
  for (const segment of relative.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) {
        throw new TributaryError("invalid_path", `Relative path ${JSON.stringify(relative)} climbs above / from ${base}.`);
      }
      segments.pop();
    } else {
      segments.push(segment);
    }
  }
  return parseStreamPath(`/${segments.join("/")}`);
}

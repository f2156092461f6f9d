import { parseStreamPath, TributaryError } from "@tributary/protocol";

export interface PathPattern {
  /** The longest leading part without wildcards: the root whose child events announce every match. */
  root: string;
  /** True when the root itself can match (a pattern without wildcards, or one ending in `/**`). */
  matchesRoot: boolean;
  test(path: string): boolean;
}

/**
 * Compiles a stream path pattern: `*` stands for exactly one segment, `**` for any number of segments
 * (zero included). Wildcards fill whole segments only.
 *
 * @example
 * compilePathPattern("/jonas/*\/agent").test("/jonas/a/agent") // true
 * compilePathPattern("/jonas/**").test("/jonas/a/b")          // true
 */
export function compilePathPattern(pattern: string): PathPattern {
  const segments = pattern
    .replace(/^\/+/, "")
    .replace(/\/+$/, "")
    .split("/")
    .filter((segment) => segment !== "");
  for (const segment of segments) {
    if (segment.includes("*") && segment !== "*" && segment !== "**") {
      throw new TributaryError(
        "invalid_path",
        `Pattern ${JSON.stringify(pattern)}: a wildcard must fill a whole segment ('*' or '**'), not ${JSON.stringify(segment)}.`,
      );
    }
  }
  const firstWildcard = segments.findIndex((segment) => segment.includes("*"));
  const fixed = firstWildcard === -1 ? segments : segments.slice(0, firstWildcard);
  const root = parseStreamPath(`/${fixed.join("/")}`);
  const rest = firstWildcard === -1 ? [] : segments.slice(firstWildcard);

  function matches(pathSegments: string[], from: number, patternIndex: number): boolean {
    if (patternIndex === rest.length) return from === pathSegments.length;
    const part = rest[patternIndex]!;
    if (part === "**") {
      for (let next = from; next <= pathSegments.length; next++) if (matches(pathSegments, next, patternIndex + 1)) return true;
      return false;
    }
    if (from === pathSegments.length) return false;
    return (part === "*" || part === pathSegments[from]) && matches(pathSegments, from + 1, patternIndex + 1);
  }

  return {
    root,
    matchesRoot: rest.every((part) => part === "**"),
    test(path: string): boolean {
      const normalised = parseStreamPath(path);
      if (normalised === root) return rest.every((part) => part === "**");
      const prefix = root === "/" ? "/" : `${root}/`;
      if (!normalised.startsWith(prefix)) return false;
      return matches(normalised.slice(prefix.length).split("/"), 0, 0);
    },
  };
}

import { parseProject, parseStreamPath, TributaryError } from "@tributary/protocol";

/** What a token may do: `read` streams, `append` to them, or `admin` (delete, secrets, tokens, and both others). */
export type ScopeKind = "read" | "append" | "admin";

/** One grant: a kind, for a project (`*`: every project) and a path prefix (`/me` covers `/me` and `/me/…`). */
export interface Scope {
  kind: ScopeKind;
  project: string;
  path: string;
}

const kinds: readonly ScopeKind[] = ["read", "append", "admin"];

/**
 * Parses a scope written `kind:path` (in `defaultProject`) or `kind:project:path`; `*` as the project
 * means every project.
 *
 * @example
 * parseScope("append:/me"); // { kind: "append", project: "default", path: "/me" }
 * parseScope("admin:*:/"); // every project, every path
 */
export function parseScope(text: string, defaultProject = "default"): Scope {
  const fail = (why: string) =>
    new TributaryError("invalid_request", `Scope ${JSON.stringify(text)}: ${why}. Write kind:path or kind:project:path, e.g. append:/me or read:myproject:/.`);
  const first = text.indexOf(":");
  if (first < 0) throw fail("no ':'");
  const kind = text.slice(0, first) as ScopeKind;
  if (!kinds.includes(kind)) throw fail(`the kind must be read, append or admin`);
  let rest = text.slice(first + 1);
  let project = defaultProject;
  if (!rest.startsWith("/")) {
    const second = rest.indexOf(":");
    if (second < 0) throw fail("the path must start with '/'");
    project = rest.slice(0, second);
    rest = rest.slice(second + 1);
  }
  return checkScope({ kind, project, path: rest }, fail);
}

/** Validates a scope given as an object (the API's form), with the same rules as `parseScope`. */
export function checkScope(
  scope: { kind?: unknown; project?: unknown; path?: unknown },
  fail = (why: string) => new TributaryError("invalid_request", `Scope: ${why}.`),
): Scope {
  if (!kinds.includes(scope.kind as ScopeKind)) throw fail("the kind must be read, append or admin");
  if (typeof scope.project !== "string") throw fail("the project must be a string");
  if (typeof scope.path !== "string") throw fail("the path must be a string");
  let project: string;
  let path: string;
  try {
    project = scope.project === "*" ? "*" : parseProject(scope.project);
    path = parseStreamPath(scope.path);
  } catch (error) {
    throw fail((error as Error).message.replace(/\.$/, ""));
  }
  return { kind: scope.kind as ScopeKind, project, path };
}

/** `append:/me`, or `append:project:/me` outside the default project. */
export function formatScope(scope: Scope): string {
  return scope.project === "default" ? `${scope.kind}:${scope.path}` : `${scope.kind}:${scope.project}:${scope.path}`;
}

/** Whether `path` is `prefix` or below it. */
export function isWithin(path: string, prefix: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

/** Whether a granted scope allows what `needed` asks for: admin includes append and read; append does not include read. */
export function covers(granted: Scope, needed: Scope): boolean {
  const kindOk = granted.kind === needed.kind || granted.kind === "admin";
  const projectOk = granted.project === "*" || granted.project === needed.project;
  return kindOk && projectOk && isWithin(needed.path, granted.path);
}

/** Whether a caller's admin scopes cover every scope of another token (to create, list or revoke it). */
export function administers(granted: Scope[], scopes: Scope[]): boolean {
  return scopes.every((scope) =>
    granted.some((own) => own.kind === "admin" && (own.project === "*" || own.project === scope.project) && isWithin(scope.path, own.path)),
  );
}

import { TributaryError } from "@tributary/protocol";
import type { AppContext } from "../context.ts";
import type { Identity } from "./auth.ts";
import { covers, formatScope, type Scope } from "./scope.ts";

/** The 403 for an identity that lacks one of `needed`, or `undefined` when it holds them all. */
export function missingScopeError(identity: Identity, needed: readonly Scope[]): TributaryError | undefined {
  const missing = needed.find((scope) => !identity.scopes.some((granted) => covers(granted, scope)));
  if (missing === undefined) return undefined;
  const name = formatScope(missing);
  return new TributaryError(
    "forbidden",
    `Token '${identity.name}' lacks the scope ${name} (it has ${identity.scopes.map(formatScope).join(", ") || "none"}).`,
    {
      missingScope: name,
    },
  );
}

/**
 * For a route whose scopes depend on its body (required-scope.ts gives it `token`): throws the 403 when
 * the request's token lacks one of `needed`. Without `--auth` there is no identity and nothing to check.
 *
 * @example
 * requireScopes(c, [{ kind: "read", project, path: from }, { kind: "append", project, path: to }]);
 */
export function requireScopes(c: AppContext, needed: readonly Scope[]): void {
  const identity = c.var.identity;
  if (!identity) return;
  const error = missingScopeError(identity, needed);
  if (error) throw error;
}

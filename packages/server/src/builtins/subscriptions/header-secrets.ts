import { secretBoundTo, secretPlaceholder } from "../secrets/secret-hosts.ts";
import type { Secret } from "../secrets/secret-vault.ts";

/** Header names that carry credentials, by convention: their values must come from secrets. */
function isCredentialHeader(name: string): boolean {
  return /^(authorization|proxy-authorization|cookie)$/i.test(name) || /token|secret|key|auth|password|session|signature/i.test(name);
}

/**
 * Values that look like a credential whatever the header is called: an HTTP auth scheme and its
 * parameter, or a long run of token characters mixing letters and digits (API keys, JWTs, hex secrets).
 * A false alarm costs a secret; a miss leaks a key to every reader of the stream.
 */
function looksLikeCredential(value: string): boolean {
  if (/^\s*(bearer|basic|digest|token|apikey|api-key|hmac|negotiate)\s+\S/i.test(value)) return true;
  return (value.match(/[A-Za-z0-9_\-+/=.~]{20,}/g) ?? []).some((run) => /[A-Za-z]/.test(run) && /\d/.test(run));
}

/**
 * Why a subscription's headers may not be stored as given, or undefined: a credential (in a header named
 * like one, Authorization, X-Api-Key, …, or a value that looks like one in any header) must be a
 * `{{secret:NAME}}` placeholder, so the stream, its readers and its copies carry only the placeholder.
 *
 * @example
 * credentialInHeaders({ authorization: "Bearer abc" }); // "headers.authorization: …"
 * credentialInHeaders({ "x-hub": "Bearer abc" }); // "headers.x-hub: …"
 * credentialInHeaders({ authorization: "Bearer {{secret:hook-token}}", "x-team": "core" }); // undefined
 */
export function credentialInHeaders(headers: Record<string, unknown> | undefined): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value !== "string") continue;
    const hasPlaceholder = new RegExp(secretPlaceholder.source).test(value);
    if ((isCredentialHeader(name) && !hasPlaceholder) || looksLikeCredential(value.replace(secretPlaceholder, ""))) {
      return `headers.${name}: a credential belongs in a secret, not in the stream: PUT /api/secrets/<name> with the value and "allowedHosts": ["<the receiver's host>"], then write "{{secret:<name>}}" here (e.g. "Bearer {{secret:hook-token}}")`;
    }
  }
  return undefined;
}

/**
 * Puts the project's secrets in for the placeholders, just before a delivery to `url`. Throws, naming the
 * secret (never its value), when one is not set or is not bound to the URL's host: a secret goes only to
 * the hosts its owner listed in `allowedHosts`, so an event that points a subscription elsewhere cannot
 * carry the secret there.
 *
 * @example
 * await withHeaderSecrets({ authorization: "Bearer {{secret:t}}" }, new URL(subscription.url), (name) => vault.get(project, name));
 */
export async function withHeaderSecrets(
  headers: Record<string, string> | undefined,
  url: URL,
  lookup: (name: string) => Promise<Secret | undefined>,
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = new Map<string, string>();
    for (const [, secret] of value.matchAll(secretPlaceholder)) {
      const found = await lookup(secret!);
      if (found === undefined) throw new Error(`the secret '${secret}' in header ${name} is not set (PUT /api/secrets/${secret})`);
      if (!secretBoundTo(url, found.allowedHosts)) {
        throw new Error(
          `the secret '${secret}' in header ${name} is not bound to ${url.host}; add the host to the secret's allowedHosts (PUT /api/secrets/${secret})`,
        );
      }
      values.set(secret!, found.value);
    }
    resolved[name] = value.replace(secretPlaceholder, (_match, secret: string) => values.get(secret)!);
  }
  return resolved;
}

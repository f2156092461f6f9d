/** `{{secret:NAME}}` in a header value: the secret NAME of the subscription's project, put in on the way out. */
const placeholder = /\{\{secret:([A-Za-z][A-Za-z0-9._-]{0,127})\}\}/g;

/** Header names that carry credentials, by convention: their values must come from secrets. */
function isCredentialHeader(name: string): boolean {
  return /^(authorization|proxy-authorization|cookie)$/i.test(name) || /token|secret|key|auth|password|session/i.test(name);
}

/**
 * Why a subscription's headers may not be stored as given, or undefined: a credential header (Authorization,
 * X-Api-Key, …) must hold a `{{secret:NAME}}` placeholder, so the stream, its readers and its copies carry
 * only the placeholder, never the credential.
 *
 * @example
 * credentialInHeaders({ authorization: "Bearer abc" }); // "headers.authorization: …"
 * credentialInHeaders({ authorization: "Bearer {{secret:hook-token}}" }); // undefined
 */
export function credentialInHeaders(headers: Record<string, unknown> | undefined): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === "string" && isCredentialHeader(name) && !new RegExp(placeholder.source).test(value)) {
      return `headers.${name}: a credential belongs in a secret, not in the stream: PUT /api/secrets/<name> with the value, then write "{{secret:<name>}}" here (e.g. "Bearer {{secret:hook-token}}")`;
    }
  }
  return undefined;
}

/**
 * Puts the project's secrets in for the placeholders, just before a delivery. Throws, naming the secret,
 * when one is not set.
 *
 * @example
 * await withHeaderSecrets({ authorization: "Bearer {{secret:t}}" }, (name) => store.getSecret(project, name));
 */
export async function withHeaderSecrets(headers: Record<string, string> | undefined, lookup: (name: string) => Promise<string | undefined>): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const names = [...value.matchAll(placeholder)].map((match) => match[1]!);
    const values = new Map<string, string>();
    for (const secret of names) {
      const found = await lookup(secret);
      if (found === undefined) throw new Error(`the secret '${secret}' in header ${name} is not set (PUT /api/secrets/${secret})`);
      values.set(secret, found);
    }
    resolved[name] = value.replace(placeholder, (_match, secret: string) => values.get(secret)!);
  }
  return resolved;
}

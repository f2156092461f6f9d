import { createOutboundFetch, createOutboundPolicy } from "@tributary/server/outbound";

/**
 * The fetch the agent's model calls go through: the server's one outbound policy, with only the hosts of
 * the operator's base URLs allowed among loopback and private addresses.
 *
 * 1. Link-local and metadata addresses (169.254.169.254, metadata.google.internal, …) are never called,
 *    even as the operator's own base URL.
 * 2. A loopback or private address is called only when it is the host of a base URL the operator gave
 *    (`baseUrl`, `OPENAI_BASE_URL`, `allowedBaseUrls`): a local model server keeps working, and a
 *    provider's redirect to an internal address is refused.
 * 3. The address is judged after DNS, at connection time, and again on every redirect; a redirect to
 *    another origin carries no Authorization header, so the key stays with the configured provider.
 *
 * @example
 * const fetch = createModelFetch(["http://127.0.0.1:11434/v1"]);
 * const client = createModelClient({ baseUrl, apiKey, fetch });
 */
export function createModelFetch(baseUrls: readonly string[]) {
  const hosts = baseUrls.flatMap((url) => {
    try {
      return [new URL(url).hostname.replace(/^\[(.*)\]$/, "$1")];
    } catch {
      return [];
    }
  });
  const outbound = createOutboundFetch(
    createOutboundPolicy({
      allowLocal: false,
      allow: hosts,
      caller: { name: "the agent", allowedBy: "one is the host of its base URL (--base-url, OPENAI_BASE_URL)" },
    }),
  );
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = input instanceof Request ? input.url : input;
    const { body, redirect: _ignored, ...rest } = init;
    return outbound(url, { ...rest, ...(body !== undefined && body !== null ? { body: body as string | Uint8Array } : {}) });
  };
  return Object.assign(fetch, { close: () => outbound.close() });
}

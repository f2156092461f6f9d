import type { OutboundFetch } from "../../outbound/outbound-fetch.ts";
import type { SandboxLimits } from "../../sandbox/sandbox-limits.ts";
import { secretBoundTo, secretPlaceholder } from "../secrets/secret-hosts.ts";
import type { SecretVault } from "../secrets/secret-vault.ts";

export interface HostedFetchRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body?: string;
}

export interface HostedFetchResponse {
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  headers: [string, string][];
  body: string;
}

const methods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * A hosted processor's `fetch`, made by the server on its behalf through the one outbound policy (link-local
 * and metadata addresses always refused, local ones unless allowed, every redirect checked; a redirect to
 * another origin carries no credentials).
 *
 * 1. `{{secret:NAME}}` in a header value is replaced by the project's secret on the way out, only when the
 *    URL's host is one the secret is bound to (`allowedHosts`); otherwise the fetch is refused, naming the
 *    secret and the host but never the value. Placeholders elsewhere (URL, body) are not substituted.
 * 2. The response body is bounded (`maxFetchBytes`) and any substituted value the response echoes back is
 *    put back as its placeholder, so a script cannot read a secret through a server that reflects headers.
 * 3. At most `fetchesPerCall` fetches per call, each with a timeout.
 */
export function createHostedFetch(options: { outbound: OutboundFetch; secrets: Pick<SecretVault, "get">; limits: SandboxLimits }) {
  const { limits } = options;
  return async (project: string, raw: unknown): Promise<HostedFetchResponse> => {
    const request = raw as HostedFetchRequest;
    let url: URL;
    try {
      url = new URL(String(request.url));
    } catch {
      throw new Error(`fetch: '${String(request.url).slice(0, 200)}' is not an absolute URL`);
    }
    const method = String(request.method ?? "GET").toUpperCase();
    if (!methods.has(method)) throw new Error(`fetch: method ${method.slice(0, 20)} is not supported`);
    const substituted: { name: string; value: string }[] = [];
    const headers = new Headers();
    for (const [name, template] of Array.isArray(request.headers) ? request.headers : []) {
      let value = String(template);
      for (const match of String(template).matchAll(secretPlaceholder)) {
        const secretName = match[1]!;
        const secret = await options.secrets.get(project, secretName);
        if (!secret) throw new Error(`fetch: there is no secret '${secretName}' in project ${project} (PUT /api/secrets/${secretName})`);
        if (!secretBoundTo(url, secret.allowedHosts)) {
          throw new Error(
            `fetch: the secret '${secretName}' is not bound to ${url.host}; add it to the secret's allowedHosts (PUT /api/secrets/${secretName})`,
          );
        }
        value = value.replace(match[0], secret.value);
        substituted.push({ name: secretName, value: secret.value });
      }
      try {
        headers.append(String(name), value);
      } catch {
        throw new Error(`fetch: '${String(name).slice(0, 100)}' is not a valid header`);
      }
    }
    const redact = (text: string) => substituted.reduce((result, { name, value }) => result.split(value).join(`{{secret:${name}}}`), text);
    const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
    let response: Response;
    try {
      response = await options.outbound(url, {
        method,
        headers,
        ...(request.body !== undefined && method !== "GET" && method !== "HEAD" ? { body: String(request.body) } : {}),
        signal,
        project,
      });
    } catch (error) {
      // The outbound policy's messages are safe to show; others are reduced to their first line.
      throw new Error(`fetch ${url.origin}: ${redact(String((error as Error).message ?? error).split("\n")[0]!)}`);
    }
    const body = await readBounded(response, limits.maxFetchBytes);
    return {
      status: response.status,
      statusText: response.statusText,
      url: redact(response.url || url.toString()),
      redirected: response.redirected,
      headers: [...response.headers].map(([name, value]) => [name, redact(value)]),
      body: redact(body),
    };
  };
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`fetch: the response is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type { Agent } from "undici";
import { OutboundRefusedError, bareHostname, type OutboundPolicy } from "./outbound-policy.ts";

/** `fetch` for calls the server makes on a user's behalf; see createOutboundFetch. */
export interface OutboundFetch {
  (url: string | URL, init?: OutboundRequestInit): Promise<Response>;
  /** Closes the connections it keeps alive. */
  close(): Promise<void>;
}

export interface OutboundRequestInit extends Omit<RequestInit, "redirect" | "body"> {
  /** Only bodies that can be sent again (for a 307/308 redirect). */
  body?: string | Uint8Array;
  /** `follow` (default, at most `maxRedirects`, each hop checked) or `manual` (a 3xx is returned as it is). */
  redirect?: "follow" | "manual";
  maxRedirects?: number;
  /** The project the call is made for; if it reaches this server, it may act only in that project. */
  project?: string;
}

/** Sent with every outbound call: this server's mark and the project the call was made for. */
export const outboundMarkHeader = "tributary-outbound-mark";
export const outboundProjectHeader = "tributary-outbound-project";

/** Headers that may follow a redirect to another origin; every other one (credentials!) stays behind. */
const portableHeaders = new Set(["accept", "accept-language", "content-type", "user-agent"]);

/**
 * Creates the server's outbound `fetch`: every connection it opens is checked against the policy on the
 * address it actually connects to (a DNS lookup that refuses what the policy refuses, so a name that
 * resolves to 127.0.0.1 or changes its answer between checks cannot slip through), and every redirect is
 * followed by hand and checked again. A refusal rejects with `OutboundRefusedError`, whose message is safe
 * to store. On a redirect to another origin only content-neutral headers go along, so a credential (a
 * substituted `{{secret:NAME}}`) never reaches a host it was not meant for. With a `mark`, each call
 * carries it and its `project`, so a call that comes back to this server (a webhook to its own URL with
 * `?project=victim`) is kept to its own project (see self-call-guard.ts).
 *
 * @example
 * const outbound = createOutboundFetch(createOutboundPolicy({ allowLocal: false }));
 * await outbound("http://169.254.169.254/latest/meta-data"); // rejects: OutboundRefusedError
 */
export function createOutboundFetch(policy: OutboundPolicy, options: { mark?: string } = {}): OutboundFetch {
  const checkedLookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const reasons = addresses.map((entry) => policy.checkAddress(entry.address, hostname));
      const allowed = addresses.filter((_, index) => reasons[index] === undefined);
      if (allowed.length === 0) return callback(new OutboundRefusedError(reasons[0] ?? `${hostname} has no address`));
      if (options.all) return callback(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  }) as unknown as LookupFunction;
  // undici is loaded on the first outbound call, not when the server starts (it is a large module).
  let client: Promise<{ agent: Agent; fetch: typeof import("undici").fetch }> | undefined;
  const load = () =>
    (client ??= import("undici").then(({ Agent, buildConnector, fetch }) => {
      const connect = buildConnector({ lookup: checkedLookup });
      const agent = new Agent({
        connect(options, callback) {
          // Node skips `lookup` for IP literals, so those are judged here.
          const hostname = bareHostname(options.hostname);
          const refusal = isIP(hostname) ? policy.checkAddress(hostname, hostname) : undefined;
          if (refusal) return callback(new OutboundRefusedError(refusal), null);
          connect(options, callback);
        },
      });
      return { agent, fetch };
    }));

  async function once(url: URL, init: OutboundRequestInit): Promise<Response> {
    const refusal = policy.checkUrl(url);
    if (refusal) throw new OutboundRefusedError(refusal);
    try {
      const { maxRedirects: _ignored, project, ...rest } = init;
      if (options.mark !== undefined) {
        const headers = new Headers(rest.headers);
        headers.set(outboundMarkHeader, options.mark);
        headers.set(outboundProjectHeader, project ?? "");
        rest.headers = headers;
      }
      const { agent, fetch } = await load();
      return (await fetch(url, { ...(rest as object), redirect: "manual", dispatcher: agent })) as unknown as Response;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof OutboundRefusedError) throw cause;
      throw error;
    }
  }

  const outbound = async (input: string | URL, init: OutboundRequestInit = {}): Promise<Response> => {
    let url = new URL(input);
    let request = { ...init };
    const maxRedirects = init.maxRedirects ?? 5;
    for (let hop = 0; ; hop += 1) {
      const response = await once(url, request);
      const location = response.headers.get("location");
      if (init.redirect === "manual" || response.status < 300 || response.status > 399 || location === null) return response;
      await response.body?.cancel();
      if (hop >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects`);
      const next = new URL(location, url);
      const headers = new Headers(request.headers);
      if (next.origin !== url.origin) for (const name of [...headers.keys()]) if (!portableHeaders.has(name)) headers.delete(name);
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without a body.
      const toGet = response.status === 303 || ((response.status === 301 || response.status === 302) && request.method?.toUpperCase() === "POST");
      if (toGet) headers.delete("content-type");
      request = { ...request, headers, ...(toGet ? { method: "GET", body: undefined } : {}) };
      url = next;
    }
  };
  return Object.assign(outbound, { close: async () => (client ? (await client).agent.close() : undefined) });
}

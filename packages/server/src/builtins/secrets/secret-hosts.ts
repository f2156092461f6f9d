import { bareHostname } from "../../outbound/outbound-policy.ts";

/** `{{secret:NAME}}`: the project's secret NAME, put in by the server on the way out (headers only). */
export const secretPlaceholder = /\{\{secret:([A-Za-z][A-Za-z0-9_.-]{0,127})\}\}/g;

/**
 * True when a secret bound to `allowedHosts` may be sent to `url`: an entry is a host name or address
 * (any port), `name:port` (that port only), or `*.suffix` (any name below it). An empty list allows no host.
 *
 * @example
 * secretBoundTo(new URL("https://api.example.com/v1"), ["api.example.com"]); // true
 * secretBoundTo(new URL("http://attacker.example/"), ["api.example.com"]); // false
 */
export function secretBoundTo(url: URL, allowedHosts: readonly string[]): boolean {
  const hostname = bareHostname(url.hostname);
  const withPort = url.port ? `${hostname}:${url.port}` : hostname;
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase().replace(/^\[(.*)\](:\d+)?$/, "$1$2");
    if (allowed.startsWith("*.")) return hostname.endsWith(allowed.slice(1));
    return allowed === withPort || allowed === hostname;
  });
}

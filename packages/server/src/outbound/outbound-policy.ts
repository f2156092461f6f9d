import { isIP } from "node:net";
import { addressList, classifyAddress, metadataHostNames } from "./address-class.ts";

/** Why the server refused to call an address; its message is safe to store in an event. */
export class OutboundRefusedError extends Error {
  readonly code = "outbound_refused";
  constructor(message: string) {
    super(message);
    this.name = "OutboundRefusedError";
  }
}

export interface OutboundPolicyOptions {
  /**
   * Whether loopback and private addresses may be called without being listed: true for a server without
   * `--auth` on a loopback bind (local webhooks keep working), false otherwise.
   */
  allowLocal: boolean;
  /** `--allow-outbound` entries: IP addresses, CIDR ranges (`10.1.0.0/16`), host names or `*.suffix` names. */
  allow?: string[];
  /** Who calls, and how an address gets allowed, for the refusals' messages (default: the server, `--allow-outbound`). */
  caller?: { name: string; allowedBy: string };
}

/** The one rule for every address the server calls on a user's behalf (webhooks, hosted processors' fetch). */
export interface OutboundPolicy {
  /** Why this URL may not be called (scheme, metadata names, IP literals), or undefined. */
  checkUrl(url: URL): string | undefined;
  /** Why `hostname` may not be reached at the resolved `address`, or undefined. */
  checkAddress(address: string, hostname: string): string | undefined;
}

/** The hostname of a URL without IPv6 brackets or a trailing dot, lowercased. */
export function bareHostname(hostname: string): string {
  return hostname
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "")
    .toLowerCase();
}

/**
 * Parses `--allow-outbound` entries, throwing an error that names a bad one.
 *
 * @example
 * parseAllowOutbound("10.0.0.0/8,hooks.internal"); // ["10.0.0.0/8", "hooks.internal"]
 */
export function parseAllowOutbound(value: string): string[] {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split("/");
    const family = isIP(address!);
    const validPrefix = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family !== 0 && validPrefix && extra === undefined) continue;
    if (prefix === undefined && /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)) continue;
    throw new Error(`--allow-outbound: '${entry}' is not an IP address, a CIDR range (10.0.0.0/8) or a host name (hooks.internal, *.internal).`);
  }
  return entries;
}

/**
 * Creates the outbound policy:
 * 1. Only http:// and https:// URLs.
 * 2. Link-local and metadata addresses (169.254.0.0/16, fe80::/10, 100.100.100.200, fd00:ec2::254, …) and
 *    metadata host names are always refused, whatever `allow` says.
 * 3. Loopback, unspecified, private and other local ranges (IPv4-mapped forms included) are refused unless
 *    `allowLocal`, or the address, its range or the URL's host name is in `allow`.
 * 4. Addresses are judged after DNS resolution, at connection time (see outbound-fetch.ts), so a name
 *    that resolves to a refused address is refused too; odd spellings (`2130706433`, `0x7f.1`) are
 *    normalised by the URL parser before they get here.
 *
 * @example
 * const policy = createOutboundPolicy({ allowLocal: false, allow: ["10.1.0.0/16"] });
 * policy.checkAddress("10.1.2.3", "hooks.internal"); // undefined: allowed
 * policy.checkAddress("127.0.0.1", "localhost"); // "127.0.0.1 (localhost) is a loopback or private address …"
 */
export function createOutboundPolicy(options: OutboundPolicyOptions): OutboundPolicy {
  const entries = options.allow ?? [];
  const caller = options.caller ?? { name: "the server", allowedBy: "they are listed in --allow-outbound" };
  const allowedAddresses = addressList(entries.filter((entry) => isIP(entry.split("/")[0]!) !== 0));
  const allowedNames = entries.filter((entry) => isIP(entry.split("/")[0]!) === 0).map((entry) => entry.toLowerCase());
  const nameAllowed = (hostname: string) => allowedNames.some((name) => (name.startsWith("*.") ? hostname.endsWith(name.slice(1)) : hostname === name));
  const addressAllowed = (address: string) => allowedAddresses.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");

  const policy: OutboundPolicy = {
    checkUrl(url) {
      if (url.protocol !== "http:" && url.protocol !== "https:") return `only http:// and https:// URLs may be called; got ${url.protocol}`;
      const hostname = bareHostname(url.hostname);
      if (metadataHostNames.has(hostname)) return `${hostname} is a cloud metadata service, which ${caller.name} never calls`;
      return isIP(hostname) ? policy.checkAddress(hostname, hostname) : undefined;
    },
    checkAddress(address, hostname) {
      const name = bareHostname(hostname);
      const shown = name === address ? address : `${address} (${name})`;
      const kind = classifyAddress(address);
      if (kind === "metadata") return `${shown} is a link-local, metadata or multicast address, which ${caller.name} never calls`;
      if (kind === "local" && !options.allowLocal && !addressAllowed(address) && !nameAllowed(name)) {
        return `${shown} is a loopback or private address; ${caller.name} calls those only when ${caller.allowedBy}`;
      }
      return undefined;
    },
  };
  return policy;
}

import { BlockList, isIP } from "node:net";

/**
 * What kind of place an IP address is, for the outbound policy:
 * - `metadata`: link-local and cloud metadata addresses; never reachable from the server.
 * - `local`: loopback, unspecified, private, carrier-grade NAT, unique-local and the IPv6 forms that embed an
 *   IPv4 address (NAT64, 6to4, Teredo); reachable only without `--auth` on a loopback bind, or when listed.
 * - `public`: everything else.
 */
export type AddressClass = "metadata" | "local" | "public";

function blockList(ranges: string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, prefix] = range.split("/") as [string, string | undefined];
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

// BlockList checks IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 rules too.
const metadata = blockList([
  "169.254.0.0/16", // IPv4 link-local: AWS, GCP, Azure and OpenStack metadata at 169.254.169.254
  "fe80::/10", // IPv6 link-local
  "100.100.100.200", // Alibaba Cloud metadata
  "fd00:ec2::254", // AWS metadata over IPv6
  "168.63.129.16", // Azure's wire server
  "224.0.0.0/4", // multicast
  "ff00::/8",
  "255.255.255.255",
]);

const local = blockList([
  "0.0.0.0/8", // "this network": 0.0.0.0 reaches the local host
  "127.0.0.0/8",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10", // carrier-grade NAT
  "192.0.0.0/24",
  "198.18.0.0/15", // benchmarking
  "240.0.0.0/4", // reserved
  "::/128", // unspecified
  "::1/128",
  "fc00::/7", // unique local
  "64:ff9b::/96", // NAT64: embeds any IPv4 address
  "64:ff9b:1::/48",
  "2002::/16", // 6to4
  "2001::/32", // Teredo
]);

/**
 * Classifies an IP address (v4, v6 or IPv4-mapped v6, without brackets).
 *
 * @example
 * classifyAddress("169.254.169.254"); // "metadata"
 * classifyAddress("::ffff:127.0.0.1"); // "local"
 * classifyAddress("93.184.216.34"); // "public"
 */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new Error(`not an IP address: ${address}`);
  const type = family === 6 ? "ipv6" : "ipv4";
  if (metadata.check(address, type)) return "metadata";
  if (local.check(address, type)) return "local";
  return "public";
}

/** Host names that lead to metadata services whatever they resolve to. */
export const metadataHostNames = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"]);

/** A set of CIDR ranges and addresses from `--allow-outbound` (the host names are kept apart). */
export function addressList(ranges: string[]): BlockList {
  return blockList(ranges);
}

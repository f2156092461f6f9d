import { isIP } from "node:net";
import { classifyAddress } from "../outbound/address-class.ts";
import { bareHostname } from "../outbound/outbound-policy.ts";

/**
 * Whether a bind address or a `Host` name means this machine only: `localhost` (and `*.localhost`),
 * 127.0.0.0/8 and `::1`.
 *
 * @example
 * isLoopbackHost("127.0.0.1"); // true
 * isLoopbackHost("0.0.0.0"); // false: every interface
 */
export function isLoopbackHost(host: string): boolean {
  const name = bareHostname(host);
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (isIP(name) === 0) return false;
  return name === "::1" || name === "::ffff:127.0.0.1" || (isIP(name) === 4 && name.startsWith("127.") && classifyAddress(name) === "local");
}

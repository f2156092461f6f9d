/**
 * `@tributary/server/outbound`: the one outbound policy, for processes besides the server that call
 * addresses on a user's behalf (the agent's model calls). Loads no server: only `node:` modules, and
 * undici on the first call.
 *
 * @example
 * import { createOutboundFetch, createOutboundPolicy } from "@tributary/server/outbound";
 * const outbound = createOutboundFetch(createOutboundPolicy({ allowLocal: false, allow: ["127.0.0.1"] }));
 */
export { createOutboundFetch, type OutboundFetch, type OutboundRequestInit } from "./outbound/outbound-fetch.ts";
export { createOutboundPolicy, OutboundRefusedError, parseAllowOutbound, type OutboundPolicy } from "./outbound/outbound-policy.ts";

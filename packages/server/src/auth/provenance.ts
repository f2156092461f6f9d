import type { Provenance } from "@tributary/protocol";
import type { AppContext } from "../context.ts";
import type { PreparedEvent } from "../store/stream-store.ts";

/**
 * Stamps a client's events with who sent them: the request's token under `--auth`; nothing (anonymous)
 * without. Whatever the client sent cannot reach `appendedBy`: an input carrying it is not a valid event.
 *
 * @example
 * const stamped = withProvenance(c, events);
 */
export function withProvenance(c: AppContext, events: PreparedEvent[]): PreparedEvent[] {
  const identity = c.var.identity;
  if (!identity) return events;
  const appendedBy: Provenance = { kind: "token", id: identity.id, name: identity.name };
  return events.map((event) => ({ ...event, appendedBy }));
}

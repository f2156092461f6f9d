import type { StoredEvent } from "@tributary/protocol";

/** A server process on a shared store, as its membership row says. */
export interface ClusterMember {
  /** Random per process. */
  id: string;
  /** Where other servers reach its internal endpoint (`--advertise-url`). */
  url: string;
}

/**
 * What routing a stream's writes to one server needs from a shared store (PostgreSQL's; SQLite has none,
 * one process owns its file): membership. See docs/scaling.md "Routing a stream's writes to one server".
 */
export interface ClusterPort {
  /** Records `self` as alive now and returns the live members (seen within `liveMs`, by the database's clock), `self` included. */
  heartbeat(self: ClusterMember, liveMs: number): Promise<ClusterMember[]>;
  /** Removes `self`'s row (on shutdown), so the others stop routing to it at their next heartbeat. */
  leave(id: string): Promise<void>;
  /**
   * Events this server already holds although another server committed them (a forwarded append's answer):
   * its commit feed takes them from here instead of reading their JSON from the database again.
   */
  heard(project: string, path: string, events: readonly { event: StoredEvent; json: string }[]): void;
}

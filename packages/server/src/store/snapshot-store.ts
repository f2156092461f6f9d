import type { StreamPath } from "@tributary/protocol";

/** A processor's state as of an offset, as JSON. */
export interface Snapshot {
  offset: number;
  json: string;
}

/**
 * State snapshots: what a processor's fold of a stream came to at an offset, so a restart reads only the
 * events after it. A snapshot is a cache, never the truth: the events are. Deleting a stream deletes its
 * snapshots.
 */
export interface SnapshotStore {
  /** The snapshot stored under `name` for a stream, if any. */
  getSnapshot(project: string, path: StreamPath, name: string): Promise<Snapshot | undefined>;
  /** Stores a snapshot under `name`, replacing an older one; one at a lower offset than the stored one is ignored. */
  putSnapshot(project: string, path: StreamPath, name: string, snapshot: Snapshot): Promise<void>;
}

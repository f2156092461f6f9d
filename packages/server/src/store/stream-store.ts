import type { ClusterPort } from "./cluster-store.ts";
import type { CursorStore } from "./cursor-store.ts";
import type { DurableStreamMetaStore } from "./durable-stream-meta-store.ts";
import type { EventLog } from "./event-log.ts";
import type { LeaseStore } from "./lease-store.ts";
import type { MarkStore } from "./mark-store.ts";
import type { SecretStore } from "./secret-store.ts";
import type { SnapshotStore } from "./snapshot-store.ts";

export type * from "./event-log.ts";
export type { CursorStore } from "./cursor-store.ts";
export type { LeaseFence, LeaseStore } from "./lease-store.ts";
export type { SecretInfo, SecretStore } from "./secret-store.ts";
export type { Snapshot, SnapshotStore } from "./snapshot-store.ts";
export { markedNamespaceOf, markedNamespaces, type MarkedNamespace, type MarkedStream, type MarkStore } from "./mark-store.ts";

/** What `/api/health` reports about the storage. */
export interface StorageHealth {
  ok: boolean;
  backend: string;
  latencyMs?: number;
  /** PostgreSQL: whether the connection that hears other servers' commits is up. */
  live?: boolean;
  error?: string;
}

/**
 * The one storage backend: an event log plus the small stores beside it. Every backend (SQLite,
 * PostgreSQL) implements all of them and passes the same contract suite (`test/store-contract.ts`); the
 * rest of the server takes only the ports it uses (`EventLog`, `CursorStore`, `MarkStore`, `SecretStore`,
 * `LeaseStore`, `SnapshotStore`). The rules both backends apply inside their transactions live in append-rules.ts.
 *
 * Guarantees every implementation gives:
 * 1. `append` is atomic: all events of a request are stored, or none.
 * 2. Offsets are dense per stream: 1, 2, 3, … with no gaps and no duplicates.
 * 3. A repeated `idempotencyKey` on a stream returns the originally stored event and stores nothing.
 * 4. An event's `offset` precondition that does not match fails the whole request with `offset_conflict`.
 * 5. Creating streams appends `stream/child-created` to ancestors, in the same transaction (see
 *    `childCreatedEvents` in append-rules.ts for which ones).
 * 6. When `append` resolves, the events are durable against a crash of the server process.
 * 7. `onCommit` listeners see every committed event of every stream exactly once per process, in offset
 *    order per stream; including, in a shared backend, events committed by other processes. A listener
 *    with `wants` sees those of the streams it wants at the time (see `EventLog.onCommit`).
 * 8. Storing an event of a `markedNamespaces` type marks its stream for that namespace, in the same
 *    transaction, with the event's offset; deleting a stream removes its marks.
 * 9. Deleting a stream removes its cursors and snapshots.
 */
export interface StreamStore extends EventLog, CursorStore, MarkStore, SecretStore, LeaseStore, SnapshotStore, DurableStreamMetaStore {
  /** Checks the storage is reachable (`/api/health`); stores without it (SQLite, in-process) are always healthy. */
  health?(): Promise<StorageHealth>;
  /** On a store several servers share: the membership that routing a stream's writes uses. */
  readonly cluster?: ClusterPort;
  close(): Promise<void>;
}

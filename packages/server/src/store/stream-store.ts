import type { StoredEvent, StreamPath } from "@tributary/protocol";

/** An event as the store hands it out: its offset, and the stored envelope already encoded as JSON. */
export interface EventRecord {
  offset: number;
  /** The stored envelope as JSON. Kept encoded so reads and fan-out never re-serialise. */
  json: string;
}

/** A validated event input, ready to store. */
export interface PreparedEvent {
  type: string;
  payload: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  idempotencyKey?: string;
  /** Precondition: the offset this event must get. */
  offset?: number;
}

export interface AppendRequest {
  project: string;
  path: StreamPath;
  events: PreparedEvent[];
}

export interface AppendedEvent {
  event: StoredEvent;
  json: string;
  /** True when an earlier event with the same idempotency key was returned instead of storing a new one. */
  replayed: boolean;
}

export interface AppendResult {
  events: AppendedEvent[];
  /** Streams this append created: the target and any ancestor that did not exist yet. */
  createdPaths: StreamPath[];
}

/** One stream's newly committed events, as announced to `onCommit` listeners. */
export interface CommittedStreamEvents {
  project: string;
  path: StreamPath;
  events: { event: StoredEvent; json: string }[];
}

export interface StreamInfo {
  path: StreamPath;
  lastOffset: number;
  createdAt: string;
}

export interface ReadRange {
  /** Exclusive lower bound. */
  afterOffset: number;
  /** Exclusive upper bound; omitted means no bound. */
  beforeOffset?: number;
  limit: number;
}

export interface DeleteResult {
  deletedPaths: StreamPath[];
}

/**
 * The one storage interface. Every backend (SQLite, PostgreSQL) implements it and passes the same
 * contract suite (`test/store-contract.ts`).
 *
 * Guarantees every implementation gives:
 * 1. `append` is atomic: all events of a request are stored, or none.
 * 2. Offsets are dense per stream: 1, 2, 3, … with no gaps and no duplicates.
 * 3. A repeated `idempotencyKey` on a stream returns the originally stored event and stores nothing.
 * 4. An event's `offset` precondition that does not match fails the whole request with `offset_conflict`.
 * 5. Creating a stream appends `stream/child-created` to every ancestor, in the same transaction.
 * 6. When `append` resolves, the events are durable against a crash of the server process.
 * 7. `onCommit` listeners see every committed event of every stream exactly once per process, in offset
 *    order per stream; including, in a shared backend, events committed by other processes.
 */
export interface StreamStore {
  append(request: AppendRequest): Promise<AppendResult>;
  read(project: string, path: StreamPath, range: ReadRange): Promise<EventRecord[]>;
  /** The stream's head, or `undefined` when it does not exist. */
  info(project: string, path: StreamPath): Promise<StreamInfo | undefined>;
  /** Streams strictly below `path` (`depth: 1` for direct children only). */
  list(project: string, path: StreamPath, options: { depth?: number; limit: number }): Promise<StreamInfo[]>;
  /** Deletes a stream (and with `recursive` its descendants) and appends `stream/child-deleted` to remaining ancestors. */
  delete(project: string, path: StreamPath, options: { recursive: boolean }): Promise<DeleteResult>;
  /** Named consumer cursors: how far a consumer's side effects got on a stream. */
  getCursor(project: string, path: StreamPath, consumer: string): Promise<number | undefined>;
  setCursor(project: string, path: StreamPath, consumer: string, offset: number): Promise<void>;
  onCommit(listener: (batch: CommittedStreamEvents) => void): () => void;
  close(): Promise<void>;
}

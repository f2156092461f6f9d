/** One idempotent producer's state on one Durable Streams stream (PROTOCOL.md §5.2.1). */
export interface DsProducerState {
  epoch: number;
  lastSeq: number;
}

/**
 * What the Durable Streams face keeps about a stream beside its events: everything the protocol needs
 * that is not an event (content type, expiry, closure, writers' sequence state, forks). The stream's
 * bytes or events live in the event log; see docs/durable-streams.md for the mapping.
 */
export interface DurableStreamMeta {
  /** `events`: a Tributary event stream of the same project; `bytes`: a byte stream in the shadow project. */
  kind: "events" | "bytes";
  /** As given at creation (the protocol compares it case-insensitively). */
  contentType: string;
  ttlSeconds?: number;
  expiresAt?: string;
  /** Milliseconds since the epoch of the last read or write (the sliding TTL window starts there). */
  touchedAt: number;
  closed: boolean;
  /** The producer request that closed the stream, so its retry is a duplicate, not a conflict. */
  closedBy?: { producerId: string; epoch: number; seq: number };
  producers: Record<string, DsProducerState>;
  /** The last `Stream-Seq` accepted (compared byte-wise). */
  lastStreamSeq?: string;
  /** Fork configuration, compared on an idempotent re-create. */
  fork?: { source: string; offset: number; subOffset: number };
  /** Living forks created from this stream; while there are any, deleting it only soft-deletes it. */
  forks: number;
  softDeleted: boolean;
  createdAt: string;
}

/**
 * The Durable Streams face's own small store, implemented by every backend. It holds one record per
 * stream and project; writes replace the whole record (the face serialises its writes per stream).
 */
export interface DurableStreamMetaStore {
  getDurableStream(project: string, path: string): Promise<DurableStreamMeta | undefined>;
  putDurableStream(project: string, path: string, meta: DurableStreamMeta): Promise<void>;
  deleteDurableStream(project: string, path: string): Promise<void>;
}

import type { Provenance, StoredEvent, StreamPath } from "@tributary/protocol";
import type { LeaseFence } from "./lease-store.ts";

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
  /** Who appends it; set by the server (routes, built-ins), stored as the envelope's `appendedBy`. */
  appendedBy?: Provenance;
}

export interface AppendRequest {
  project: string;
  path: StreamPath;
  events: PreparedEvent[];
  /** Made under a lease: a shared store refuses it with `lease_lost` unless `fence.holder` still holds it. */
  fence?: LeaseFence;
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
  /** Only events that match (see `EventFilter`); the bounds and the limit apply to the matching events. */
  filter?: EventFilter;
}

/**
 * A read filter (`types=` and `q=` on reads). An event matches when its type is one of `types` or starts
 * with one of `typePrefixes` (no condition on the type when both are empty), and its stored JSON contains
 * `text` (when given), ASCII letters compared without case.
 */
export interface EventFilter {
  types: readonly string[];
  typePrefixes: readonly string[];
  text?: string;
}

/** A page of events already joined into wire-format bytes (see `EventLog.readEncoded`). */
export interface EncodedPage {
  /** UTF-8. `sse`: frames; `ndjson`: lines; `json`: the stored envelopes joined by commas (no brackets). */
  bytes: Uint8Array;
  count: number;
  /** The offset of the page's last event; undefined when the page is empty. */
  lastOffset: number | undefined;
}

/** A fork: a new stream `to` holding `from`'s events up to `atOffset` (same offsets), then `events`. */
export interface ForkRequest {
  project: string;
  from: StreamPath;
  /** The last copied offset: 0 copies nothing; at most the source's last offset. */
  atOffset: number;
  to: StreamPath;
  /** Appended after the copied prefix in the same transaction (the `stream/forked` marker). */
  events: PreparedEvent[];
  /** `drop`: the prefix's idempotency keys do not hold on the fork (a Durable Streams fork's producers start fresh). Default `copy`. */
  idempotencyKeys?: "copy" | "drop";
}

export interface DeleteResult {
  deletedPaths: StreamPath[];
}

/**
 * The event log port: the streams themselves. The guarantees are listed on `StreamStore`
 * (stream-store.ts), which every backend implements.
 */
export interface EventLog {
  /**
   * True when the store commits appends in the order `append` was called (SQLite's write queue). Then
   * the appender hands one stream's appends over without waiting for each commit; otherwise it waits.
   */
  readonly commitsInCallOrder: boolean;
  append(request: AppendRequest): Promise<AppendResult>;
  read(project: string, path: StreamPath, range: ReadRange): Promise<EventRecord[]>;
  /**
   * The fast path for catch-up reads: the same events as `read`, joined into wire-format bytes by the
   * database, so a large page costs a few buffers, written to the socket as they are, instead of one
   * object and one string per event.
   */
  readEncoded(project: string, path: StreamPath, range: ReadRange, format: "sse" | "ndjson" | "json"): Promise<EncodedPage>;
  /** The stream's head, or `undefined` when it does not exist. */
  info(project: string, path: StreamPath): Promise<StreamInfo | undefined>;
  /** Streams strictly below `path` (`depth: 1` for direct children only). */
  list(project: string, path: StreamPath, options: { depth?: number; limit: number }): Promise<StreamInfo[]>;
  /**
   * Forks a stream (see `ForkRequest`) in one transaction, copying the prefix inside the database (no
   * per-event round trip): the copied envelopes keep their type, payload, metadata, `createdAt`,
   * provenance and idempotency key, with `streamPath` set to the fork; the prefix's idempotency keys,
   * marks and consumer cursors (at most `atOffset`) come along. Only `events` and the ancestors'
   * `stream/child-created` are announced to `onCommit`: the prefix is history. Fails with
   * `stream_not_found` (no source), `invalid_request` (`atOffset` past the source's end) or
   * `stream_exists` (the target has events).
   */
  fork(request: ForkRequest): Promise<AppendResult>;
  /** Deletes a stream (and with `recursive` its descendants) and appends `stream/child-deleted` to remaining ancestors. */
  delete(project: string, path: StreamPath, options: { recursive: boolean }): Promise<DeleteResult>;
  /**
   * The commit feed: every committed event of every stream, once, in offset order per stream.
   * With `wants`, the listener hears only the streams it wants when their commits are announced (asked
   * then, per stream): every event committed while it wants a stream, once, in order. A shared store uses
   * this to leave other processes' commits of streams no listener wants unread (postgres-store.ts).
   */
  onCommit(listener: (batch: CommittedStreamEvents) => void, wants?: (project: string, path: string) => boolean): () => void;
  /**
   * True when the appends queued during one event-loop turn are committed as one transaction and
   * announced to `onCommit` together, in one synchronous call chain (SQLite's group commit): a listener
   * that gathers a turn's commits can then act on the current task's microtasks instead of waiting for
   * the next turn (the live hub does).
   */
  readonly announcesPerTurn?: boolean;
}

/** Only the reading half of the log (what the built-ins' state and workers need). */
export type EventReader = Pick<EventLog, "read">;

import type { DurableStreamMetaStore } from "./durable-stream-meta-store.ts";
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

/** A page of events already joined into one wire-format string (see `StreamStore.readEncoded`). */
export interface EncodedPage {
  /** `sse`: frames; `ndjson`: lines; `json`: the stored envelopes joined by commas (no brackets). */
  text: string;
  count: number;
  /** The offset of the page's last event; undefined when the page is empty. */
  lastOffset: number | undefined;
}

export interface DeleteResult {
  deletedPaths: StreamPath[];
}

/**
 * Event-type namespaces whose streams the store marks (guarantee 8), so the built-ins that must work
 * without waiting for a stream to be touched (scheduler, webhooks, transformers, hosted processors) can
 * find their streams when a server starts.
 */
export const markedNamespaces = ["schedule", "subscription", "transformer", "processor"] as const;

/** The marked namespace of an event type (`schedule/configured` → `schedule`), if any. */
export function markedNamespaceOf(type: string): string | undefined {
  const slash = type.indexOf("/");
  if (slash < 0) return undefined;
  const namespace = type.slice(0, slash);
  return (markedNamespaces as readonly string[]).includes(namespace) ? namespace : undefined;
}

export interface MarkedStream {
  project: string;
  path: StreamPath;
}

/** A stored secret's name; the value never leaves the store except to the built-in that uses it. */
export interface SecretInfo {
  name: string;
  updatedAt: string;
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
 * 8. Storing an event of a `markedNamespaces` type marks its stream for that namespace, in the same
 *    transaction, with the event's offset; deleting a stream removes its marks.
 */
export interface StreamStore extends DurableStreamMetaStore {
  /**
   * True when the store commits appends in the order `append` was called (SQLite's write queue). Then
   * the appender hands one stream's appends over without waiting for each commit; otherwise it waits.
   */
  readonly commitsInCallOrder: boolean;
  append(request: AppendRequest): Promise<AppendResult>;
  read(project: string, path: StreamPath, range: ReadRange): Promise<EventRecord[]>;
  /**
   * The fast path for catch-up reads: the same events as `read`, joined into one wire-format string by
   * the database, so a large page costs one string instead of one object and one string per event.
   */
  readEncoded(project: string, path: StreamPath, range: ReadRange, format: "sse" | "ndjson" | "json"): Promise<EncodedPage>;
  /** The stream's head, or `undefined` when it does not exist. */
  info(project: string, path: StreamPath): Promise<StreamInfo | undefined>;
  /** Streams strictly below `path` (`depth: 1` for direct children only). */
  list(project: string, path: StreamPath, options: { depth?: number; limit: number }): Promise<StreamInfo[]>;
  /** Deletes a stream (and with `recursive` its descendants) and appends `stream/child-deleted` to remaining ancestors. */
  delete(project: string, path: StreamPath, options: { recursive: boolean }): Promise<DeleteResult>;
  /** Named consumer cursors: how far a consumer's side effects got on a stream. */
  getCursor(project: string, path: StreamPath, consumer: string): Promise<number | undefined>;
  setCursor(project: string, path: StreamPath, consumer: string, offset: number): Promise<void>;
  /** Streams marked for a namespace (guarantee 8), in every project. */
  listMarkedStreams(namespace: string): Promise<MarkedStream[]>;
  /** Removes a stream's mark, unless an event of the namespace newer than `throughOffset` marked it since. */
  unmarkStream(project: string, path: StreamPath, namespace: string, throughOffset: number): Promise<void>;
  /** Secrets: per project, stored outside every stream. `putSecret` resolves `created: false` on a replace. */
  putSecret(project: string, name: string, value: string): Promise<{ created: boolean; updatedAt: string }>;
  getSecret(project: string, name: string): Promise<string | undefined>;
  /** Resolves `false` when there was no such secret. */
  deleteSecret(project: string, name: string): Promise<boolean>;
  listSecrets(project: string): Promise<SecretInfo[]>;
  /**
   * Takes or renews a named lease for `ttlMs`: true while `holder` owns it. Work that must run on one
   * server at a time (the built-ins' side effects) runs only on the holder. A store that only one process
   * can open (SQLite) always grants it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up at once (on shutdown), so another server can take it without waiting for expiry. */
  releaseLease(name: string, holder: string): Promise<void>;
  onCommit(listener: (batch: CommittedStreamEvents) => void): () => void;
  close(): Promise<void>;
}

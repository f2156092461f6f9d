import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { ancestorPaths, TributaryError, type StreamPath } from "@tributary/protocol";
import { LRUCache } from "lru-cache";
import { createLogger, type Logger } from "../../logger.ts";
import { checkForkOffset, forkTargetExists, planAppend, planChildDeleted, type AppendPlan } from "../append-rules.ts";
import type {
  AppendRequest,
  AppendResult,
  CommittedStreamEvents,
  DeleteResult,
  EncodedPage,
  EventRecord,
  ForkRequest,
  MarkedStream,
  ReadRange,
  SecretInfo,
  Snapshot,
  StreamInfo,
  StreamStore,
} from "../stream-store.ts";
import { markedNamespaces } from "../mark-store.ts";
import { sqliteFilterCondition } from "./filter-sql.ts";
import { joinedInOffsetOrder, joinedPageSql, joinedPieceSize, prepareJoinedStatements, type JoinedPiece } from "./joined-pages.ts";
import { sqliteSchema } from "./schema.ts";
import { createSqliteDurableStreamMeta } from "./sqlite-durable-stream-meta.ts";
import { createWriteQueue, type Transaction } from "./write-queue.ts";

export interface SqliteStoreOptions {
  /** A directory for `tributary.db`, or `:memory:`. */
  dataDir: string;
  /**
   * `normal` (default): an acknowledged append survives a crash of the server process (WAL, written
   * before the response). `full`: it also survives power loss (fsync of the WAL on every commit group).
   */
  fsync?: "normal" | "full";
  /** How many streams' rows (and known-missing paths) stay cached; default `defaultMaxCachedStreamRows`. */
  maxCachedStreams?: number;
  /** Where a failing commit listener is reported (default: warnings and errors on stderr). */
  logger?: Logger;
}

/**
 * Streams whose row (id, last offset) the SQLite store keeps in memory, least recently used dropped first.
 * Misses are cached too (a reader waiting for a stream asks again and again), so both count; a dropped
 * row is one indexed query away.
 */
export const defaultMaxCachedStreamRows = 10_000;

interface StreamRow {
  id: number;
  lastOffset: number;
  createdAt: string;
}

const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
const missing = false;

/**
 * The embedded default store. One server process owns the database file (SQLite's exclusive locking
 * mode); a second server on the same data directory is refused with a clear error.
 *
 * Writes go through a group-commit queue: appends that arrive while one event-loop turn is busy are
 * committed in one transaction, each in its own savepoint, so one failing request does not fail the others.
 *
 * @example
 * const store = createSqliteStore({ dataDir: "./data" });
 */
export function createSqliteStore(options: SqliteStoreOptions): StreamStore {
  const file = options.dataDir === ":memory:" ? ":memory:" : join(options.dataDir, "tributary.db");
  if (file !== ":memory:") mkdirSync(options.dataDir, { recursive: true });
  const db = new DatabaseSync(file);
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${options.fsync === "full" ? "FULL" : "NORMAL"}`);
    db.exec("PRAGMA busy_timeout = 2000");
    db.exec(sqliteSchema);
  } catch (error) {
    db.close();
    if (String(error).includes("locked")) {
      throw new Error(`The data directory ${options.dataDir} is in use by another Tributary server.`);
    }
    throw error;
  }

  const statements = prepareStatements(db);
  // Filtered reads: one statement per filter shape (see sqliteFilterCondition), prepared on first use.
  const filteredStatements = new Map<string, StatementSync>();
  const filtered = (sql: string): StatementSync => {
    let statement = filteredStatements.get(sql);
    if (!statement) {
      if (filteredStatements.size >= 256) filteredStatements.clear();
      filteredStatements.set(sql, (statement = db.prepare(sql)));
    }
    return statement;
  };
  // The rows as the current transaction sees them (`missing` for a path with no stream). An entry may be
  // dropped at any time, even mid-transaction: it is read again from the database, which has the same value.
  const streams = new LRUCache<string, StreamRow | typeof missing>({ max: options.maxCachedStreams ?? defaultMaxCachedStreamRows });
  const listeners = new Set<(batch: CommittedStreamEvents) => void>();
  const logger = options.logger ?? createLogger({ level: "warn" });

  function loadStream(project: string, path: string): StreamRow | undefined {
    const key = keyOf(project, path);
    const cached = streams.get(key);
    if (cached !== undefined) return cached === missing ? undefined : cached;
    const row = statements.selectStream.get(project, path) as { id: number; last_offset: number; created_at: string } | undefined;
    const value = row ? { id: row.id, lastOffset: row.last_offset, createdAt: row.created_at } : undefined;
    streams.set(key, value ?? missing);
    return value;
  }

  const queue = createWriteQueue({
    db,
    onRollback: () => streams.clear(),
    onCommit: (batches) => {
      for (const batch of batches) {
        for (const listener of listeners) {
          try {
            listener(batch);
          } catch (error) {
            // A listener's bug must not undo a commit that already happened; report it and go on.
            logger.error("a commit listener threw", {
              project: batch.project,
              path: batch.path,
              error: error instanceof Error ? (error.stack ?? error.message) : String(error),
            });
          }
        }
      }
    },
  });

  function appendInTransaction(tx: Transaction, request: AppendRequest): AppendResult {
    const { project, path } = request;
    const createdAt = new Date().toISOString();
    const target = loadStream(project, path);
    // An existing stream's ancestors exist (they are created with it, and a stream with children is
    // deleted only with them): only an append that creates its stream looks at the ancestors.
    const createdPaths: StreamPath[] = [];
    if (!target) {
      for (const candidate of [path, ...ancestorPaths(path)]) {
        if (!loadStream(project, candidate)) createdPaths.unshift(candidate);
      }
    }
    const originals = new Map<string, string>();
    if (target) {
      for (const { idempotencyKey } of request.events) {
        if (idempotencyKey === undefined || originals.has(idempotencyKey)) continue;
        const original = statements.selectByKey.get(target.id, idempotencyKey) as { json: string } | undefined;
        if (original) originals.set(idempotencyKey, original.json);
      }
    }
    // The target's row is used as it is (one cache look-up per append, not one per use).
    const rowOf = (candidate: StreamPath) => (target && candidate === path ? target : loadStream(project, candidate));
    const plan = planAppend({ request, createdPaths, originals, createdAt, lastOffsetOf: (candidate) => rowOf(candidate)?.lastOffset ?? 0 });
    const touched = createStreams(tx, project, createdPaths, createdAt);
    writePlan(tx, project, plan, touched, target ? rowOf : undefined);
    return { events: plan.events, createdPaths };
  }

  /** Inserts the rows of streams an append creates; the returned map is what a rollback puts back in the cache. */
  function createStreams(tx: Transaction, project: string, createdPaths: StreamPath[], createdAt: string): Map<string, StreamRow | typeof missing> {
    // The cached rows change as the transaction does; a rollback puts back what they were.
    const touched = new Map<string, StreamRow | typeof missing>();
    tx.onUndo(() => {
      for (const [key, row] of touched) streams.set(key, row);
    });
    for (const created of createdPaths) {
      const key = keyOf(project, created);
      touched.set(key, missing);
      const result = statements.insertStream.run(project, created, createdAt);
      streams.set(key, { id: Number(result.lastInsertRowid), lastOffset: 0, createdAt });
    }
    return touched;
  }

  /** `rowOf` gives the rows the caller holds already (else the cache is asked). */
  function writePlan(
    tx: Transaction,
    project: string,
    plan: AppendPlan,
    touched: Map<string, StreamRow | typeof missing>,
    rowOf: (path: StreamPath) => StreamRow | undefined = (path) => loadStream(project, path),
  ): void {
    // One cache look-up per stream, not per event (a batch writes many events to one stream).
    let lastPath: string | undefined;
    let row: StreamRow | undefined;
    insertEvents(plan.writes, (path) => {
      if (path !== lastPath) {
        lastPath = path;
        row = rowOf(path)!;
      }
      return row!.id;
    });
    for (const write of plan.writes) {
      if (write.event.idempotencyKey !== undefined) statements.insertKey.run(rowOf(write.path)!.id, write.event.idempotencyKey, write.event.offset);
      if (write.mark !== undefined) statements.upsertMark.run(write.mark, project, write.path, write.event.offset);
      tx.announce(project, write.path, { event: write.event, json: write.json });
    }
    for (const [headPath, lastOffset] of plan.heads) {
      const key = keyOf(project, headPath);
      const row = rowOf(headPath)!;
      if (!touched.has(key)) touched.set(key, { ...row });
      row.lastOffset = lastOffset;
      statements.updateOffset.run(lastOffset, row.id);
    }
  }

  // Multi-row INSERTs for the events of a batch: one statement per chunk instead of per event (a third
  // less SQLite time per row). Chunk sizes are fixed so that at most four statements are ever prepared.
  const chunkSizes = [64, 16, 4] as const;
  const insertChunk = new Map<number, StatementSync>();
  function insertEvents(
    writes: readonly { path: string; event: { offset: number; type: string }; json: string }[],
    streamIdOf: (path: string) => number,
  ): void {
    let at = 0;
    for (const size of chunkSizes) {
      while (writes.length - at >= size) {
        let statement = insertChunk.get(size);
        if (!statement) {
          statement = db.prepare(`INSERT INTO events (stream_id, offset, type, json) VALUES ${Array.from({ length: size }, () => "(?, ?, ?, ?)").join(", ")}`);
          insertChunk.set(size, statement);
        }
        const values: (number | string)[] = [];
        for (let end = at + size; at < end; at++) {
          const write = writes[at]!;
          values.push(streamIdOf(write.path), write.event.offset, write.event.type, write.json);
        }
        statement.run(...values);
      }
    }
    for (; at < writes.length; at++) {
      const write = writes[at]!;
      statements.insertEvent.run(streamIdOf(write.path), write.event.offset, write.event.type, write.json);
    }
  }

  function forkInTransaction(tx: Transaction, request: ForkRequest): AppendResult {
    const { project, from, atOffset, to } = request;
    const source = loadStream(project, from);
    if (!source) throw new TributaryError("stream_not_found", `No stream at ${from} in project ${project}.`);
    checkForkOffset(atOffset, source.lastOffset);
    if (loadStream(project, to)) throw forkTargetExists(to);
    const createdAt = new Date().toISOString();
    const createdPaths = [to, ...ancestorPaths(to)].filter((candidate) => !loadStream(project, candidate));
    const append = { project, path: to, events: request.events };
    const plan = planAppend({
      request: append,
      createdPaths,
      originals: new Map(),
      createdAt,
      lastOffsetOf: (candidate) => (candidate === to ? atOffset : (loadStream(project, candidate)?.lastOffset ?? 0)),
    });
    const touched = createStreams(tx, project, createdPaths, createdAt);
    const target = loadStream(project, to)!;
    // One statement per table: the prefix is copied inside SQLite, with the fork's path in each envelope.
    statements.copyEvents.run(target.id, to, source.id, atOffset);
    if (request.idempotencyKeys !== "drop") statements.copyKeys.run(target.id, source.id, atOffset);
    statements.copyCursors.run(to, atOffset, createdAt, project, from);
    for (const namespace of markedNamespaces) {
      const last = statements.lastOfNamespace.get(source.id, atOffset, `${namespace}/`, `${namespace}0`) as { last: number | null };
      if (last.last !== null) statements.upsertMark.run(namespace, project, to, last.last);
    }
    target.lastOffset = atOffset;
    statements.updateOffset.run(atOffset, target.id);
    writePlan(tx, project, plan, touched);
    return { events: plan.events, createdPaths: createdPaths.reverse() };
  }

  function deleteInTransaction(tx: Transaction, project: string, path: StreamPath, recursive: boolean): DeleteResult {
    const rows = (path === "/" ? statements.selectAll.all(project) : statements.selectSubtree.all(project, path, `${path}/`, `${path}0`)) as {
      id: number;
      path: string;
    }[];
    if (rows.length === 0) throw new TributaryError("stream_not_found", `No stream at ${path} in project ${project}.`);
    if (!recursive && rows.some((row) => row.path !== path)) {
      throw new TributaryError("has_children", `${path} has child streams; pass recursive=true to delete them too.`, {
        children: rows.filter((row) => row.path !== path).length,
      });
    }
    const toDelete = recursive ? rows : rows.filter((row) => row.path === path);
    tx.onUndo(() => streams.clear());
    for (const row of toDelete) {
      statements.deleteEvents.run(row.id);
      statements.deleteKeys.run(row.id);
      statements.deleteStream.run(row.id);
      statements.deleteCursors.run(project, row.path);
      statements.deleteSnapshots.run(project, row.path);
      statements.deleteMarks.run(project, row.path);
      streams.set(keyOf(project, row.path), missing);
    }
    const remaining = ancestorPaths(path).flatMap((ancestor) => {
      const row = loadStream(project, ancestor);
      return row ? [{ path: ancestor, lastOffset: row.lastOffset, row }] : [];
    });
    for (const [index, write] of planChildDeleted(path, remaining, new Date().toISOString()).entries()) {
      const row = remaining[index]!.row;
      statements.insertEvent.run(row.id, write.event.offset, write.event.type, write.json);
      statements.updateOffset.run(write.event.offset, row.id);
      row.lastOffset = write.event.offset;
      tx.announce(project, write.path, { event: write.event, json: write.json });
    }
    return { deletedPaths: toDelete.map((row) => row.path) };
  }

  return {
    ...createSqliteDurableStreamMeta(db),
    commitsInCallOrder: true,
    announcesPerTurn: true,
    append: (request) => queue.run((tx) => appendInTransaction(tx, request)),
    fork: (request) => queue.run((tx) => forkInTransaction(tx, request)),
    delete: (project, path, { recursive }) => queue.run((tx) => deleteInTransaction(tx, project, path, recursive)),

    async read(project, path, range: ReadRange): Promise<EventRecord[]> {
      const row = loadStream(project, path);
      if (!row) return [];
      const before = range.beforeOffset ?? Number.MAX_SAFE_INTEGER;
      if (range.filter) {
        const { sql, params } = sqliteFilterCondition(range.filter);
        return filtered(`SELECT offset, json FROM events WHERE stream_id = ? AND offset > ? AND offset < ?${sql} ORDER BY offset LIMIT ?`).all(
          row.id,
          range.afterOffset,
          before,
          ...params,
          range.limit,
        ) as unknown as EventRecord[];
      }
      return statements.readRange.all(row.id, range.afterOffset, before, range.limit) as unknown as EventRecord[];
    },

    async readEncoded(project, path, range: ReadRange, format): Promise<EncodedPage> {
      const row = loadStream(project, path);
      if (!row) return { bytes: noBytes, count: 0, lastOffset: undefined };
      const before = range.beforeOffset ?? Number.MAX_SAFE_INTEGER;
      const { sql, params } = sqliteFilterCondition(range.filter);
      const joined = statements.joined[format];
      const statement = range.filter ? filtered(joinedPageSql(format, sql)) : joined.ordered;
      // In pieces of at most joinedPieceSize events, each joined by SQLite (see joinedPieceSize).
      const pieces: Uint8Array[] = [];
      let count = 0;
      let last = range.afterOffset;
      while (count < range.limit) {
        const size = Math.min(joinedPieceSize, range.limit - count);
        let piece: JoinedPiece;
        if (range.filter) piece = statement.get(row.id, last, before, ...params, size) as unknown as JoinedPiece;
        else {
          // Unsorted, then checked; the ordered statement only when the check fails (joined-pages.ts).
          const checked = joined.checked.get(row.id, last, before, size) as unknown as JoinedPiece & { receipt: string | null };
          piece = joinedInOffsetOrder(checked.receipt, checked.count) ? checked : (statement.get(row.id, last, before, size) as unknown as JoinedPiece);
        }
        if (piece.count === 0) break;
        if (format === "json" && pieces.length > 0) pieces.push(comma);
        pieces.push(piece.bytes!);
        count += piece.count;
        last = piece.last!;
        if (piece.count < size) break;
      }
      if (count === 0) return { bytes: noBytes, count: 0, lastOffset: undefined };
      return { bytes: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), count, lastOffset: last };
    },

    async info(project, path): Promise<StreamInfo | undefined> {
      const row = loadStream(project, path);
      return row ? { path, lastOffset: row.lastOffset, createdAt: row.createdAt } : undefined;
    },

    async list(project, path, { depth, limit }): Promise<StreamInfo[]> {
      // Depth is counted in slashes: "/a" has 1, "/a/b" has 2; the root's children have 1.
      const baseSlashes = path === "/" ? 0 : path.split("/").length - 1;
      const maxSlashes = depth === undefined ? 1_000_000 : baseSlashes + depth;
      const rows = (
        path === "/" ? statements.listAll.all(project, maxSlashes, limit) : statements.listBelow.all(project, `${path}/`, `${path}0`, maxSlashes, limit)
      ) as { path: string; last_offset: number; created_at: string }[];
      return rows.map((row) => ({ path: row.path, lastOffset: row.last_offset, createdAt: row.created_at }));
    },

    async getCursor(project, path, consumer) {
      const row = statements.selectCursor.get(project, path, consumer) as { offset: number } | undefined;
      return row?.offset;
    },

    async setCursor(project, path, consumer, offset) {
      statements.upsertCursor.run(project, path, consumer, offset, new Date().toISOString());
    },

    async getSnapshot(project, path, name) {
      const row = statements.selectSnapshot.get(project, path, name) as Snapshot | undefined;
      return row ? { offset: row.offset, json: row.json } : undefined;
    },

    async putSnapshot(project, path, name, snapshot) {
      statements.upsertSnapshot.run(project, path, name, snapshot.offset, snapshot.json);
    },

    async listMarkedStreams(namespace): Promise<MarkedStream[]> {
      return (statements.selectMarks.all(namespace) as { project: string; path: string }[]).map((row) => ({ project: row.project, path: row.path }));
    },

    async unmarkStream(project, path, namespace, throughOffset) {
      statements.deleteMark.run(namespace, project, path, throughOffset);
    },

    async putSecret(project, name, value) {
      const updatedAt = new Date().toISOString();
      const created = statements.selectSecret.get(project, name) === undefined;
      statements.upsertSecret.run(project, name, value, updatedAt);
      return { created, updatedAt };
    },

    async getSecret(project, name) {
      return (statements.selectSecret.get(project, name) as { value: string } | undefined)?.value;
    },

    async deleteSecret(project, name) {
      return Number(statements.deleteSecret.run(project, name).changes) > 0;
    },

    async listSecrets(project): Promise<SecretInfo[]> {
      return (statements.listSecrets.all(project) as { name: string; updated_at: string }[]).map((row) => ({ name: row.name, updatedAt: row.updated_at }));
    },

    // One process owns the database file (exclusive locking), so it always holds every lease.
    async acquireLease() {
      return true;
    },

    async releaseLease() {},

    onCommit(listener, wants) {
      const heard = wants ? (batch: CommittedStreamEvents) => void (wants(batch.project, batch.path) && listener(batch)) : listener;
      listeners.add(heard);
      return () => listeners.delete(heard);
    },

    async close() {
      await queue.drain();
      db.close();
    },
  };
}

const slashes = "(length(path) - length(replace(path, '/', '')))";

const noBytes = new Uint8Array(0);
const comma = Buffer.from(",");

function prepareStatements(db: DatabaseSync) {
  return {
    selectStream: db.prepare("SELECT id, last_offset, created_at FROM streams WHERE project = ? AND path = ?"),
    insertStream: db.prepare("INSERT INTO streams (project, path, created_at) VALUES (?, ?, ?)"),
    updateOffset: db.prepare("UPDATE streams SET last_offset = ? WHERE id = ?"),
    insertEvent: db.prepare("INSERT INTO events (stream_id, offset, type, json) VALUES (?, ?, ?, ?)"),
    copyEvents: db.prepare(
      "INSERT INTO events (stream_id, offset, type, json) SELECT ?1, offset, type, json_set(json, '$.streamPath', ?2) FROM events WHERE stream_id = ?3 AND offset <= ?4 ORDER BY offset",
    ),
    copyKeys: db.prepare(
      "INSERT INTO idempotency_keys (stream_id, key, offset) SELECT ?1, key, offset FROM idempotency_keys WHERE stream_id = ?2 AND offset <= ?3",
    ),
    copyCursors: db.prepare(
      "INSERT INTO consumer_cursors (project, path, consumer, offset, updated_at) SELECT project, ?1, consumer, min(offset, ?2), ?3 FROM consumer_cursors WHERE project = ?4 AND path = ?5",
    ),
    lastOfNamespace: db.prepare("SELECT max(offset) AS last FROM events WHERE stream_id = ? AND offset <= ? AND type >= ? AND type < ?"),
    insertKey: db.prepare("INSERT INTO idempotency_keys (stream_id, key, offset) VALUES (?, ?, ?)"),
    selectByKey: db.prepare(
      "SELECT e.json FROM idempotency_keys k JOIN events e ON e.stream_id = k.stream_id AND e.offset = k.offset WHERE k.stream_id = ? AND k.key = ?",
    ),
    readRange: db.prepare("SELECT offset, json FROM events WHERE stream_id = ? AND offset > ? AND offset < ? ORDER BY offset LIMIT ?"),
    joined: prepareJoinedStatements(db),
    listAll: db.prepare(`SELECT path, last_offset, created_at FROM streams WHERE project = ? AND path <> '/' AND ${slashes} <= ? ORDER BY path LIMIT ?`),
    listBelow: db.prepare(
      `SELECT path, last_offset, created_at FROM streams WHERE project = ? AND path >= ? AND path < ? AND ${slashes} <= ? ORDER BY path LIMIT ?`,
    ),
    selectAll: db.prepare("SELECT id, path FROM streams WHERE project = ?"),
    selectSubtree: db.prepare("SELECT id, path FROM streams WHERE project = ? AND (path = ? OR (path >= ? AND path < ?))"),
    deleteEvents: db.prepare("DELETE FROM events WHERE stream_id = ?"),
    deleteKeys: db.prepare("DELETE FROM idempotency_keys WHERE stream_id = ?"),
    deleteStream: db.prepare("DELETE FROM streams WHERE id = ?"),
    deleteCursors: db.prepare("DELETE FROM consumer_cursors WHERE project = ? AND path = ?"),
    deleteSnapshots: db.prepare("DELETE FROM snapshots WHERE project = ? AND path = ?"),
    selectSnapshot: db.prepare("SELECT offset, json FROM snapshots WHERE project = ? AND path = ? AND name = ?"),
    upsertSnapshot: db.prepare(
      "INSERT INTO snapshots (project, path, name, offset, json) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, path, name) DO UPDATE SET offset = excluded.offset, json = excluded.json WHERE excluded.offset >= snapshots.offset",
    ),
    selectCursor: db.prepare("SELECT offset FROM consumer_cursors WHERE project = ? AND path = ? AND consumer = ?"),
    upsertMark: db.prepare(
      "INSERT INTO marked_streams (namespace, project, path, last_offset) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, project, path) DO UPDATE SET last_offset = excluded.last_offset",
    ),
    selectMarks: db.prepare("SELECT project, path FROM marked_streams WHERE namespace = ? ORDER BY project, path"),
    deleteMark: db.prepare("DELETE FROM marked_streams WHERE namespace = ? AND project = ? AND path = ? AND last_offset <= ?"),
    deleteMarks: db.prepare("DELETE FROM marked_streams WHERE project = ? AND path = ?"),
    selectSecret: db.prepare("SELECT value FROM secrets WHERE project = ? AND name = ?"),
    upsertSecret: db.prepare(
      "INSERT INTO secrets (project, name, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (project, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    ),
    deleteSecret: db.prepare("DELETE FROM secrets WHERE project = ? AND name = ?"),
    listSecrets: db.prepare("SELECT name, updated_at FROM secrets WHERE project = ? ORDER BY name"),
    upsertCursor: db.prepare(
      "INSERT INTO consumer_cursors (project, path, consumer, offset, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, path, consumer) DO UPDATE SET offset = excluded.offset, updated_at = excluded.updated_at",
    ),
  };
}

import pg from "pg";
import { ancestorPaths, TributaryError, type StoredEvent, type StreamPath } from "@tributary/protocol";
import { checkForkOffset, forkTargetExists, planAppend, planChildDeleted, type PlannedWrite } from "../append-rules.ts";
import { markedNamespaceOf, markedNamespaces } from "../mark-store.ts";
import type {
  AppendRequest,
  AppendResult,
  CommittedStreamEvents,
  EncodedPage,
  EventRecord,
  ForkRequest,
  LeaseFence,
  MarkedStream,
  ReadRange,
  SecretInfo,
  StreamInfo,
  StreamStore,
} from "../stream-store.ts";
import { createLogger, type Logger } from "../../logger.ts";
import { createCommitAnnouncer } from "./commit-announcer.ts";
import { appendBatch } from "./batch-append.ts";
import { createCommitTailer, type TailedEvent, type TailerInterest } from "./commit-tailer.ts";
import { createGroupCommit, type SentBatch } from "./group-commit.ts";
import { asUnavailable, isConnectionFault } from "./connection-faults.ts";
import { createNotificationListener } from "./notification-listener.ts";
import { historyOrigin, postgresSchema } from "./schema.ts";
import { postgresFilterCondition } from "./filter-sql.ts";
import { prepared } from "./prepared.ts";
import { createPostgresDurableStreamMeta, postgresDurableStreamSchema } from "./postgres-durable-stream-meta.ts";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Where connection trouble is reported (default: info level to stderr). */
  logger?: Logger;
  /**
   * Append batches on the write connection before the first is answered (default 1). 2 pipelines them: the
   * next batch waits in PostgreSQL behind the one committing instead of in this process, which hides a
   * slow link's round trip; on a database on the same machine one in flight measured faster (larger
   * batches per WAL flush; docs/scaling.md).
   */
  batchesInFlight?: 1 | 2;
  /**
   * How long the next batch may wait for the clients the last one answered to send their next appends
   * (group-commit.ts 3; default 2 ms; 0: it is sent as soon as the last one settled).
   */
  batchFillWaitMs?: number;
}

type Committed = { event: StoredEvent; json: string };
type Row = {
  id: string;
  path: string;
  last_offset: string;
  created_at: string;
};

const channel = "tributary_commits";
/** Past this many streams known here, the tailer reads every other server's events with their JSON (naming the wanted ones would cost more). */
const maxNamedStreams = 256;
/** Held events (a forwarded append's answers) at most; past it they are dropped and read from the database. */
const maxHeldEvents = 10_000;
const retryable = new Set(["40001", "40P01"]);
const slashes = "(length(path) - length(replace(path, '/', '')))";

/**
 * The scale-out store: several server processes share one PostgreSQL database.
 *
 * 1. An append is one transaction. The target stream's row is locked (`FOR UPDATE`), and when the append
 *    creates streams, so are the ancestors', always in path order, so concurrent appends cannot deadlock
 *    each other; a deadlock or serialization failure from elsewhere is retried.
 * 2. Other servers' commits reach `onCommit` through the commit tailer, which reads the events table by
 *    commit position (commit-tailer.ts); after a commit, a server sends one coalesced NOTIFY outside the
 *    append's transaction to wake the others' tailers, so appends never queue on the notification lock.
 *    The NOTIFY names the commits' stream ids; a server whose listeners want none of them (no live
 *    reader, no built-in state held, not the lease holder) does not read on it, and its idle read only
 *    moves its position. A server sends these only once it has heard of another server on the database
 *    (`peers` below): a lone server sends none. See commit-announcer.ts for the ordering rules. A read
 *    fetches JSON only for the streams some listener here wants (while this server knows at most 256)
 *    and not for events it holds already (a forwarded append's answer, `cluster.heard`): those it hands
 *    on from what it holds, in the tailer's order.
 * 3. A 2xx answer means PostgreSQL committed (its own durability settings apply: fsync on by default).
 * 4. Connection trouble (a restart, an outage, a killed backend) never escapes as an unhandled error: every
 *    pooled client has an error listener while checked out, a broken one is discarded, and the failed
 *    call rejects with `storage_unavailable` (503, `Retry-After`). The LISTEN connection reconnects with
 *    backoff and the tailer then reads what it missed, so nothing needs a restart.
 * 5. Writes made under a lease (`fence`) lock the lease row (`FOR SHARE`) and are refused with `lease_lost`
 *    unless the fence's holder still holds it unexpired: a stalled former holder cannot write.
 *
 * @example
 * const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL! });
 */
/**
 * The exclusive upper bound a read's query gets. Offsets are dense (1, 2, 3, … in every stream, forks
 * included), so an unfiltered page of `limit` events after `afterOffset` ends by `afterOffset + limit`:
 * with that bound PostgreSQL fetches and sorts at most the page's rows, whatever its statistics say.
 * Without it, on a table whose statistics are stale (a stream just filled) it chose a bitmap scan of every
 * later event and an on-disk sort of them all for each page (probes/catch-up-postgres.ts).
 */
function pageEnd(range: ReadRange): number {
  const before = range.beforeOffset ?? Number.MAX_SAFE_INTEGER;
  return range.filter ? before : Math.min(before, range.afterOffset + range.limit + 1);
}

export async function createPostgresStore(options: PostgresStoreOptions): Promise<StreamStore> {
  const logger = options.logger ?? createLogger({ level: "info" });
  if (options.batchesInFlight !== undefined && options.batchesInFlight !== 1 && options.batchesInFlight !== 2) {
    throw new Error(`batchesInFlight must be 1 or 2; got ${String(options.batchesInFlight)}`);
  }
  const fill = options.batchFillWaitMs;
  if (fill !== undefined && !(Number.isFinite(fill) && fill >= 0 && fill <= 1000)) {
    throw new Error(`batchFillWaitMs must be a number of milliseconds from 0 to 1000; got ${String(fill)}`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    // Fail fast while the database is away: a request waits at most this long for a connection.
    connectionTimeoutMillis: 3000,
    keepAlive: true,
  });
  pool.on("error", (error) =>
    logger.warn("an idle PostgreSQL connection failed", {
      error: error.message,
    }),
  );
  let origin: number;
  try {
    const setup = await pool.connect();
    try {
      await setup.query("SELECT pg_advisory_lock(hashtext('tributary-schema'))");
      await setup.query(postgresSchema);
      await setup.query(postgresDurableStreamSchema);
      await setup.query("SELECT pg_advisory_unlock(hashtext('tributary-schema'))");
      origin = Number((await setup.query("SELECT nextval('tributary_origins') AS origin")).rows[0].origin);
    } finally {
      setup.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  // Every query with parameters is a prepared statement (prepared.ts); the few without are run as they are.
  async function query(text: string, values?: unknown[]) {
    try {
      return await (values === undefined ? pool.query(text) : pool.query(prepared(text, values)));
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  // Each listener with the streams it wants (`undefined`: every stream).
  const listeners = new Map<(batch: CommittedStreamEvents) => void, ((project: string, path: string) => boolean) | undefined>();
  const wanted = (project: string, path: string) => {
    for (const wants of listeners.values()) if (wants === undefined || wants(project, path)) return true;
    return false;
  };
  const announcer = createCommitAnnouncer({
    wanted,
    readRange: async (project, path, after, upTo) => {
      const { rows } = await query(
        `SELECT e."offset", e.json FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id
         WHERE s.project = $1 AND s.path = $2 AND e."offset" > $3 AND e."offset" <= $4 ORDER BY e."offset"`,
        [project, path, after, upTo],
      );
      return rows.map((row: { json: string }) => ({
        event: JSON.parse(row.json) as StoredEvent,
        json: row.json,
      }));
    },
    emit: (batch) => {
      for (const [listener, wants] of listeners) {
        if (wants !== undefined && !wants(batch.project, batch.path)) continue;
        try {
          listener(batch);
        } catch (error) {
          logger.error("a commit listener threw", { error: String(error) });
        }
      }
    },
  });

  /** Stream ids by project and path, for the batch path; a stale one (deleted elsewhere) is noticed there. */
  const streamIds = new Map<string, string>();
  // Other servers' streams by id, as the tailer found them: a notification names the streams it is about.
  const keysById = new Map<string, { project: string; path: string }>();
  // Events another server committed that this one holds already (forwarded appends' answers, `heard`), by
  // stream id and offset: the tailer reads them without their JSON and the feed takes them from here. An
  // entry goes once the tailer has passed its offset in that stream (a late answer's, at the next read).
  const held = new Map<string, Map<number, Committed>>();
  let heldCount = 0;
  /** What the tailer's next read needs JSON for: only the streams some listener wants, if there are few. */
  function interest(): TailerInterest {
    const knownStreams: string[] = [];
    const knownOffsets: number[] = [];
    for (const [id, events] of held) {
      for (const offset of events.keys()) {
        knownStreams.push(id);
        knownOffsets.push(offset);
      }
    }
    if (keysById.size + streamIds.size > maxNamedStreams) return { jsonFor: undefined, knownStreams, knownOffsets };
    const jsonFor = new Set<string>();
    for (const [id, { project, path }] of keysById) if (wanted(project, path)) jsonFor.add(id);
    for (const [key, id] of streamIds) {
      const [project, path] = key.split("\u0000") as [string, string];
      if (!jsonFor.has(id) && wanted(project, path)) jsonFor.add(id);
    }
    return { jsonFor: [...jsonFor], knownStreams, knownOffsets };
  }
  const tailer = createCommitTailer({
    pool,
    origin,
    logger,
    interest,
    deliver: async (found: TailedEvent[]) => {
      const byStream = new Map<string, (TailedEvent & { event?: StoredEvent })[]>();
      for (const item of found) {
        const key = `${item.project}\u0000${item.path}`;
        if (!keysById.has(item.streamId)) {
          if (keysById.size >= 100_000) keysById.clear();
          keysById.set(item.streamId, { project: item.project, path: item.path });
        }
        const mine = item.json === null ? held.get(item.streamId)?.get(item.offset) : undefined;
        const list = byStream.get(key) ?? [];
        list.push(mine ? { ...item, json: mine.json, event: mine.event } : item);
        byStream.set(key, list);
      }
      for (const items of byStream.values()) {
        const events = held.get(items[0]!.streamId);
        if (events) {
          const last = Math.max(...items.map((item) => item.offset));
          for (const offset of events.keys()) if (offset <= last) events.delete(offset);
          if (events.size === 0) held.delete(items[0]!.streamId);
        }
        await announcer.remote(items[0]!.project, items[0]!.path, items);
      }
      heldCount = 0;
      for (const events of held.values()) heldCount += events.size;
    },
  });
  await tailer.start().catch((error) => {
    void pool.end();
    throw error;
  });

  /**
   * The origins of the other servers heard on the channel. Every server notifies once when its LISTEN
   * connection is (re)established and answers the first notification of every server it has not heard
   * from, so two servers on one database learn of each other within a round trip of the later one's start.
   * Until one is heard, no server listens but this one: a commit sends no NOTIFY (one transaction per batch
   * less). Correctness never depends on it: the commit tailer polls every second regardless.
   */
  const peers = new Set<string>();
  // One NOTIFY in flight per server, outside every append's transaction, without waiting for its flush. It
  // names the ids of the streams committed since the last one (`undefined`: unknown, so none are named).
  let poking: Promise<void> | undefined;
  let pokeAgain = false;
  let closed = false;
  let poked: Set<string> | undefined = new Set();
  function poke(ids?: Iterable<string>): void {
    if (ids === undefined) poked = undefined;
    else if (poked) for (const id of ids) poked.add(id);
    if (poking !== undefined) {
      pokeAgain = true;
      return;
    }
    poking = (async () => {
      do {
        pokeAgain = false;
        const named = poked && poked.size > 0 && poked.size <= 500 ? ` ${[...poked].join(",")}` : "";
        poked = new Set();
        await pool.query(`BEGIN; SET LOCAL synchronous_commit = off; NOTIFY ${channel}, '${origin}${named}'; COMMIT`).catch(() => undefined);
      } while (pokeAgain && !closed);
      poking = undefined;
    })();
  }

  /** After a commit of this server's (`ids`: its streams): wakes the other servers' tailers, if there are any. */
  function notifyCommit(ids?: Iterable<string>): void {
    if (peers.size > 0) poke(ids);
  }
  const listener = createNotificationListener({
    connectionString: options.connectionString,
    channel,
    logger,
    // "origin" or "origin id,id,…" (the streams of the commits it is about). A server reads other servers'
    // commits only when one may concern a stream some listener here wants (or one it does not know yet);
    // the rest it reads at the idle pace, and only to keep its position (commit-announcer.ts 5).
    onNotify: (payload) => {
      const [from, ids] = payload.split(" ");
      if (from === undefined || from === String(origin)) return;
      // A server not heard from before: from now on this one's commits wake it, and it hears of this one
      // (this one's commits until then it reads on that notification or by its tailer's poll).
      if (!peers.has(from)) {
        peers.add(from);
        poke();
      }
      if (ids === undefined) return tailer.wake();
      for (const id of ids.split(",")) {
        const stream = keysById.get(id);
        if (stream === undefined || wanted(stream.project, stream.path)) return tailer.wake();
      }
    },
    // After a (re)connect, whatever was committed while no notification could arrive is read now, and the
    // other servers hear of this one.
    onConnected: () => {
      tailer.wake();
      poke();
    },
  });
  await listener.start();

  async function transaction<T>(
    work: (client: pg.PoolClient, touched: Map<string, Committed[]>) => Promise<T>,
  ): Promise<{ value: T; touched: Map<string, Committed[]> }> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw asUnavailable(error);
      }
      // A checked-out client has no listener of the pool's: without this one, a backend killed between two
      // statements of the transaction would be an unhandled 'error' event, and the process would exit.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      const touched = new Map<string, Committed[]>();
      try {
        await client.query("BEGIN");
        const value = await work(client, touched);
        await client.query("COMMIT");
        if (touched.size > 0) {
          const ids = [...touched.keys()].map((key) => streamIds.get(key));
          notifyCommit(ids.every((id) => id !== undefined) ? (ids as string[]) : undefined);
        }
        return { value, touched };
      } catch (error) {
        if (!broken && !isConnectionFault(error)) await client.query("ROLLBACK").catch(() => undefined);
        if (attempt < 5 && retryable.has((error as { code?: string }).code ?? "")) continue;
        if (isConnectionFault(error)) broken ??= error as Error;
        throw asUnavailable(error);
      } finally {
        client.removeListener("error", onError);
        client.release(broken);
      }
    }
  }

  async function checkFence(client: pg.PoolClient, fence: LeaseFence | undefined): Promise<void> {
    if (!fence) return;
    const { rowCount } = await client.query("SELECT 1 FROM tributary_leases WHERE name = $1 AND holder = $2 AND expires_at > clock_timestamp() FOR SHARE", [
      fence.lease,
      fence.holder,
    ]);
    if (rowCount === 0) throw new TributaryError("lease_lost", `This server no longer holds the '${fence.lease}' lease; the write was refused.`);
  }

  async function announceLocal(touched: Map<string, Committed[]>) {
    await Promise.all(
      [...touched].map(([key, events]) => {
        const [project, path] = key.split("\u0000") as [string, string];
        return announcer.local(project, path, events);
      }),
    );
  }

  async function insertWrite(client: pg.PoolClient, touched: Map<string, Committed[]>, project: string, row: Row, write: PlannedWrite): Promise<void> {
    const { event, json } = write;
    await client.query(`INSERT INTO tributary_events (stream_id, "offset", type, json, origin) VALUES ($1, $2, $3, $4, $5)`, [
      row.id,
      event.offset,
      event.type,
      json,
      origin,
    ]);
    if (event.idempotencyKey !== undefined) {
      await client.query(`INSERT INTO tributary_idempotency_keys (stream_id, key, "offset") VALUES ($1, $2, $3)`, [row.id, event.idempotencyKey, event.offset]);
    }
    if (write.mark !== undefined) {
      await client.query(
        `INSERT INTO tributary_marked_streams (namespace, project, path, last_offset) VALUES ($1, $2, $3, $4)
         ON CONFLICT (namespace, project, path) DO UPDATE SET last_offset = excluded.last_offset`,
        [write.mark, project, row.path, event.offset],
      );
    }
    const key = `${project}\u0000${row.path}`;
    const list = touched.get(key) ?? [];
    list.push({ event, json });
    touched.set(key, list);
  }

  async function saveOffsets(client: pg.PoolClient, rows: Iterable<Row>) {
    for (const row of rows) await client.query("UPDATE tributary_streams SET last_offset = $1 WHERE id = $2", [row.last_offset, row.id]);
  }

  /** One append in its own transaction: any request (new streams, keys, preconditions, fences, marks). */
  async function appendAlone(request: AppendRequest): Promise<AppendResult> {
    const { project, path } = request;
    const { value, touched } = await transaction(async (client, touched) => {
      await checkFence(client, request.fence);
      const createdAt = new Date().toISOString();
      const candidates = [path, ...ancestorPaths(path)].sort();
      const inserted = await client.query(
        `INSERT INTO tributary_streams (project, path, created_at) SELECT $1, p, $3 FROM unnest($2::text[]) AS p ORDER BY p
           ON CONFLICT (project, path) DO NOTHING RETURNING path`,
        [project, candidates, createdAt],
      );
      const createdPaths = (inserted.rows as { path: string }[]).map((row) => row.path).sort();
      const lockPaths = createdPaths.length > 0 ? candidates : [path];
      const locked = await client.query(
        `SELECT id, path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path = ANY($2::text[]) ORDER BY path FOR UPDATE`,
        [project, lockPaths],
      );
      const rows = new Map((locked.rows as Row[]).map((row) => [row.path, row]));
      for (const row of rows.values()) streamIds.set(`${project}\u0000${row.path}`, row.id);
      const target = rows.get(path)!;
      const keys = [...new Set(request.events.flatMap((event) => (event.idempotencyKey === undefined ? [] : [event.idempotencyKey])))];
      const originals = new Map<string, string>();
      if (keys.length > 0) {
        const found = await client.query(
          `SELECT k.key, e.json FROM tributary_idempotency_keys k JOIN tributary_events e ON e.stream_id = k.stream_id AND e."offset" = k."offset" WHERE k.stream_id = $1 AND k.key = ANY($2::text[])`,
          [target.id, keys],
        );
        for (const row of found.rows as { key: string; json: string }[]) originals.set(row.key, row.json);
      }
      const plan = planAppend({ request, createdPaths, originals, createdAt, lastOffsetOf: (candidate) => Number(rows.get(candidate)!.last_offset) });
      for (const write of plan.writes) await insertWrite(client, touched, project, rows.get(write.path)!, write);
      for (const [headPath, lastOffset] of plan.heads) rows.get(headPath)!.last_offset = String(lastOffset);
      await saveOffsets(
        client,
        [...plan.heads.keys()].map((headPath) => rows.get(headPath)!),
      );
      return { events: plan.events, createdPaths: createdPaths.sort((a, b) => a.split("/").length - b.split("/").length) as StreamPath[] };
    });
    await announceLocal(touched);
    return value;
  }

  /**
   * The connection batches are written on, in node-pg's pipeline mode: with `batchesInFlight: 2` a batch is
   * sent while the one before it still commits, and PostgreSQL runs them in the order sent (group-commit.ts
   * 2). Opened when first needed; after any fault it is dropped (the statements in flight on it fail with
   * it) and the next batch opens a new one. Its error listener keeps a killed backend from being an unhandled 'error' event.
   */
  type WriteConnection = { client: pg.Client };
  type WriteBatch = SentBatch & { connection: WriteConnection; seq: string };
  let writer: WriteConnection | undefined;
  let batchesSent = 0;
  function writeConnection(): WriteConnection {
    if (writer) return writer;
    const client = new pg.Client({ connectionString: options.connectionString, keepAlive: true, connectionTimeoutMillis: 3000, pipeline: true });
    const connection: WriteConnection = { client };
    const drop = (error?: Error) => {
      if (writer !== connection) return;
      writer = undefined;
      if (!closed) logger.debug("the PostgreSQL write connection failed; the next batch opens another", { error: String(error ?? "ended") });
      void client.end().catch(() => undefined);
    };
    client.on("error", drop);
    client.on("end", () => drop());
    // Statements sent before it is connected wait for it, and fail with it.
    client.connect().catch(drop);
    writer = connection;
    return connection;
  }

  // Plain requests go in batches; the others need reads and checks of their own inside the transaction.
  const isPlain = (request: AppendRequest) =>
    request.fence === undefined &&
    request.events.every((event) => event.idempotencyKey === undefined && event.offset === undefined && markedNamespaceOf(event.type) === undefined);

  const writes = createGroupCommit({
    maxInFlight: options.batchesInFlight,
    fillWaitMs: options.batchFillWaitMs,
    isBatchable: (request) => streamIds.has(`${request.project}\u0000${request.path}`) && isPlain(request),
    appendAlone,
    sendBatch: (requests, behind) => {
      const connection = writeConnection();
      const seq = String(++batchesSent);
      // Behind an unsettled batch on this connection, this one commits only if that one did. Behind one on a
      // connection since dropped, there is nothing to wait for: that one fails with its connection.
      const previous = behind as WriteBatch | undefined;
      const after = previous?.connection === connection ? previous.seq : undefined;
      const items = requests.map((request) => ({ request, streamId: streamIds.get(`${request.project}\u0000${request.path}`)! }));
      const results = (async () => {
        let results: (AppendResult | undefined)[];
        try {
          results = await appendBatch(connection.client, origin, items, { seq, after });
        } catch (error) {
          throw asUnavailable(error);
        }
        notifyCommit(items.map((item) => item.streamId));
        await Promise.all(
          results.map((result, index) => {
            const { project, path } = requests[index]!;
            // The stream was deleted by another server: forget its id; the request goes the slow way.
            if (!result) {
              if (streamIds.get(`${project}\u0000${path}`) === items[index]!.streamId) streamIds.delete(`${project}\u0000${path}`);
              return undefined;
            }
            return announcer.local(project, path, result.events);
          }),
        );
        return results;
      })();
      const sent: WriteBatch = { results, connection, seq };
      return sent;
    },
  });

  return {
    ...createPostgresDurableStreamMeta(query),
    // One write queue per server (group-commit.ts) commits in call order, as SQLite's does.
    commitsInCallOrder: true,
    leasesShared: true,
    append: (request) => writes.append(request),

    // A fork (EventLog.fork): the prefix is copied by INSERT … SELECT inside one transaction.
    async fork(request: ForkRequest): Promise<AppendResult> {
      const { project, from, atOffset, to } = request;
      const { value, touched } = await transaction(async (client, touched) => {
        const createdAt = new Date().toISOString();
        const found = await client.query("SELECT id, last_offset FROM tributary_streams WHERE project = $1 AND path = $2", [project, from]);
        const source = found.rows[0] as { id: string; last_offset: string } | undefined;
        if (!source) throw new TributaryError("stream_not_found", `No stream at ${from} in project ${project}.`);
        checkForkOffset(atOffset, Number(source.last_offset));
        const candidates = [to, ...ancestorPaths(to)].sort();
        const inserted = await client.query(
          `INSERT INTO tributary_streams (project, path, created_at) SELECT $1, p, $3 FROM unnest($2::text[]) AS p ORDER BY p
           ON CONFLICT (project, path) DO NOTHING RETURNING path`,
          [project, candidates, createdAt],
        );
        const createdPaths = (inserted.rows as { path: string }[]).map((row) => row.path);
        if (!createdPaths.includes(to)) throw forkTargetExists(to);
        const locked = await client.query(
          `SELECT id, path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path = ANY($2::text[]) ORDER BY path FOR UPDATE`,
          [project, candidates],
        );
        const rows = new Map((locked.rows as Row[]).map((row) => [row.path, row]));
        const target = rows.get(to)!;
        // The copied prefix is history (`historyOrigin`): no server's commit tailer announces it.
        // The envelope's own `,"streamPath":…,"offset":N,"createdAt":` is the first such text in its JSON: the
        // payload comes first, and only an object embedding an envelope of this very stream and offset could
        // hold it. So only it is replaced and the rest stays byte for byte (jsonb would reorder and re-space).
        await client.query(
          `INSERT INTO tributary_events (stream_id, "offset", type, json, origin)
           SELECT $1, "offset", type, overlay(json PLACING $2 || tail FROM position($3 || tail IN json) FOR length($3 || tail)), ${historyOrigin}
           FROM (SELECT "offset", type, json, ',"offset":' || "offset" || ',"createdAt":' AS tail FROM tributary_events WHERE stream_id = $4 AND "offset" <= $5) prefix`,
          [target.id, `,"streamPath":${JSON.stringify(to)}`, `,"streamPath":${JSON.stringify(from)}`, source.id, atOffset],
        );
        if (request.idempotencyKeys !== "drop") {
          await client.query(
            `INSERT INTO tributary_idempotency_keys (stream_id, key, "offset") SELECT $1, key, "offset" FROM tributary_idempotency_keys WHERE stream_id = $2 AND "offset" <= $3`,
            [target.id, source.id, atOffset],
          );
        }
        await client.query(
          `INSERT INTO tributary_consumer_cursors (project, path, consumer, "offset", updated_at) SELECT project, $1, consumer, LEAST("offset", $2), $3 FROM tributary_consumer_cursors WHERE project = $4 AND path = $5`,
          [to, atOffset, createdAt, project, from],
        );
        await client.query(
          `INSERT INTO tributary_marked_streams (namespace, project, path, last_offset)
           SELECT split_part(type, '/', 1), $1, $2, max("offset") FROM tributary_events WHERE stream_id = $3 AND "offset" <= $4 AND split_part(type, '/', 1) = ANY($5::text[]) AND type LIKE '%/%' GROUP BY 1`,
          [project, to, source.id, atOffset, [...markedNamespaces]],
        );
        target.last_offset = String(atOffset);
        const plan = planAppend({
          request: { project, path: to, events: request.events },
          createdPaths: createdPaths as StreamPath[],
          originals: new Map(),
          createdAt,
          lastOffsetOf: (candidate) => Number(rows.get(candidate)!.last_offset),
        });
        for (const write of plan.writes) await insertWrite(client, touched, project, rows.get(write.path)!, write);
        for (const [headPath, lastOffset] of plan.heads) rows.get(headPath)!.last_offset = String(lastOffset);
        await saveOffsets(client, rows.values());
        return { events: plan.events, createdPaths: createdPaths.sort((a, b) => a.split("/").length - b.split("/").length) as StreamPath[] };
      });
      await announceLocal(touched);
      return value;
    },

    async read(project, path, range): Promise<EventRecord[]> {
      const filter = postgresFilterCondition(range.filter, 6);
      const { rows } = await query(
        `SELECT e."offset", e.json FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id
         WHERE s.project = $1 AND s.path = $2 AND e."offset" > $3 AND e."offset" < $4${filter.sql} ORDER BY e."offset" LIMIT $5`,
        [project, path, range.afterOffset, pageEnd(range), range.limit, ...filter.params],
      );
      return rows.map((row: { offset: string; json: string }) => ({
        offset: Number(row.offset),
        json: row.json,
      }));
    },

    async readEncoded(project, path, range, format): Promise<EncodedPage> {
      const item = {
        sse: `'id: ' || "offset" || E'\\n' || 'data: ' || json || E'\\n\\n'`,
        ndjson: `json || E'\\n'`,
        json: "json",
      }[format];
      const separator = format === "json" ? "','" : "''";
      const filter = postgresFilterCondition(range.filter, 6);
      const { rows } = await query(
        `SELECT string_agg(${item}, ${separator} ORDER BY "offset") AS text, count(*) AS count, max("offset") AS last FROM (
           SELECT e."offset", e.json FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id
           WHERE s.project = $1 AND s.path = $2 AND e."offset" > $3 AND e."offset" < $4${filter.sql} ORDER BY e."offset" LIMIT $5) page`,
        [project, path, range.afterOffset, pageEnd(range), range.limit, ...filter.params],
      );
      const row = rows[0] as {
        text: string | null;
        count: string;
        last: string | null;
      };
      return {
        bytes: row.text === null ? new Uint8Array(0) : Buffer.from(row.text),
        count: Number(row.count),
        lastOffset: row.last === null ? undefined : Number(row.last),
      };
    },

    async info(project, path): Promise<StreamInfo | undefined> {
      const { rows } = await query("SELECT last_offset, created_at FROM tributary_streams WHERE project = $1 AND path = $2", [project, path]);
      const row = rows[0] as { last_offset: string; created_at: string } | undefined;
      return row
        ? {
            path,
            lastOffset: Number(row.last_offset),
            createdAt: row.created_at,
          }
        : undefined;
    },

    async list(project, path, { depth, limit }): Promise<StreamInfo[]> {
      const baseSlashes = path === "/" ? 0 : path.split("/").length - 1;
      const maxSlashes = depth === undefined ? 1_000_000 : baseSlashes + depth;
      const { rows } =
        path === "/"
          ? await query(
              `SELECT path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path <> '/' AND ${slashes} <= $2 ORDER BY path LIMIT $3`,
              [project, maxSlashes, limit],
            )
          : await query(
              `SELECT path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path >= $2 AND path < $3 AND ${slashes} <= $4 ORDER BY path LIMIT $5`,
              [project, `${path}/`, `${path}0`, maxSlashes, limit],
            );
      return rows.map((row: { path: string; last_offset: string; created_at: string }) => ({
        path: row.path,
        lastOffset: Number(row.last_offset),
        createdAt: row.created_at,
      }));
    },

    async delete(project, path, { recursive }) {
      const { value, touched } = await transaction(async (client, touched) => {
        const { rows } = await client.query(
          path === "/"
            ? "SELECT id, path FROM tributary_streams WHERE project = $1 ORDER BY path FOR UPDATE"
            : "SELECT id, path FROM tributary_streams WHERE project = $1 AND (path = $2 OR (path >= $3 AND path < $4)) ORDER BY path FOR UPDATE",
          path === "/" ? [project] : [project, path, `${path}/`, `${path}0`],
        );
        const subtree = rows as { id: string; path: string }[];
        if (subtree.length === 0) throw new TributaryError("stream_not_found", `No stream at ${path} in project ${project}.`);
        if (!recursive && subtree.some((row) => row.path !== path)) {
          throw new TributaryError("has_children", `${path} has child streams; pass recursive=true to delete them too.`, {
            children: subtree.filter((row) => row.path !== path).length,
          });
        }
        const doomed = recursive ? subtree : subtree.filter((row) => row.path === path);
        const ids = doomed.map((row) => row.id);
        await client.query("DELETE FROM tributary_events WHERE stream_id = ANY($1::bigint[])", [ids]);
        await client.query("DELETE FROM tributary_idempotency_keys WHERE stream_id = ANY($1::bigint[])", [ids]);
        await client.query("DELETE FROM tributary_streams WHERE id = ANY($1::bigint[])", [ids]);
        await client.query("DELETE FROM tributary_consumer_cursors WHERE project = $1 AND path = ANY($2::text[])", [project, doomed.map((row) => row.path)]);
        await client.query("DELETE FROM tributary_snapshots WHERE project = $1 AND path = ANY($2::text[])", [project, doomed.map((row) => row.path)]);
        await client.query("DELETE FROM tributary_marked_streams WHERE project = $1 AND path = ANY($2::text[])", [project, doomed.map((row) => row.path)]);
        const ancestors = await client.query(
          "SELECT id, path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path = ANY($2::text[]) ORDER BY path FOR UPDATE",
          [project, ancestorPaths(path)],
        );
        const remaining = (ancestors.rows as Row[]).map((row) => ({ path: row.path, lastOffset: Number(row.last_offset), row }));
        const writes = planChildDeleted(path, remaining, new Date().toISOString());
        for (const [index, write] of writes.entries()) {
          const { row } = remaining[index]!;
          await insertWrite(client, touched, project, row, write);
          row.last_offset = String(write.event.offset);
        }
        await saveOffsets(client, ancestors.rows as Row[]);
        return { deletedPaths: doomed.map((row) => row.path) };
      });
      for (const deleted of value.deletedPaths) {
        announcer.forget(project, deleted);
        streamIds.delete(`${project}\u0000${deleted}`);
      }
      await announceLocal(touched);
      return value;
    },

    async getSnapshot(project, path, name) {
      const { rows } = await query(`SELECT "offset", json FROM tributary_snapshots WHERE project = $1 AND path = $2 AND name = $3`, [project, path, name]);
      return rows[0] ? { offset: Number(rows[0].offset), json: rows[0].json as string } : undefined;
    },

    async putSnapshot(project, path, name, snapshot) {
      await query(
        `INSERT INTO tributary_snapshots (project, path, name, "offset", json) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project, path, name) DO UPDATE SET "offset" = excluded."offset", json = excluded.json WHERE excluded."offset" >= tributary_snapshots."offset"`,
        [project, path, name, snapshot.offset, snapshot.json],
      );
    },

    async getCursor(project, path, consumer) {
      const { rows } = await query(`SELECT "offset" FROM tributary_consumer_cursors WHERE project = $1 AND path = $2 AND consumer = $3`, [
        project,
        path,
        consumer,
      ]);
      return rows[0] ? Number((rows[0] as { offset: string }).offset) : undefined;
    },

    async setCursor(project, path, consumer, offset, fence) {
      const values = [project, path, consumer, offset, new Date().toISOString()];
      if (!fence) {
        await query(
          `INSERT INTO tributary_consumer_cursors (project, path, consumer, "offset", updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (project, path, consumer) DO UPDATE SET "offset" = excluded."offset", updated_at = excluded.updated_at`,
          values,
        );
        return;
      }
      await transaction(async (client) => {
        await checkFence(client, fence);
        await client.query(
          `INSERT INTO tributary_consumer_cursors (project, path, consumer, "offset", updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (project, path, consumer) DO UPDATE SET "offset" = excluded."offset", updated_at = excluded.updated_at`,
          values,
        );
      });
    },

    async listMarkedStreams(namespace): Promise<MarkedStream[]> {
      const { rows } = await query("SELECT project, path FROM tributary_marked_streams WHERE namespace = $1 ORDER BY project, path", [namespace]);
      return rows as MarkedStream[];
    },

    async unmarkStream(project, path, namespace, throughOffset) {
      await query("DELETE FROM tributary_marked_streams WHERE namespace = $1 AND project = $2 AND path = $3 AND last_offset <= $4", [
        namespace,
        project,
        path,
        throughOffset,
      ]);
    },

    async putSecret(project, name, value) {
      const updatedAt = new Date().toISOString();
      const { rows } = await query(
        `INSERT INTO tributary_secrets (project, name, value, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         RETURNING (xmax = 0) AS created`,
        [project, name, value, updatedAt],
      );
      return {
        created: Boolean((rows[0] as { created: boolean }).created),
        updatedAt,
      };
    },

    async getSecret(project, name) {
      const { rows } = await query("SELECT value FROM tributary_secrets WHERE project = $1 AND name = $2", [project, name]);
      return (rows[0] as { value: string } | undefined)?.value;
    },

    async deleteSecret(project, name) {
      const result = await query("DELETE FROM tributary_secrets WHERE project = $1 AND name = $2", [project, name]);
      return (result.rowCount ?? 0) > 0;
    },

    async listSecrets(project): Promise<SecretInfo[]> {
      const { rows } = await query("SELECT name, updated_at FROM tributary_secrets WHERE project = $1 ORDER BY name", [project]);
      return (rows as { name: string; updated_at: string }[]).map((row) => ({
        name: row.name,
        updatedAt: row.updated_at,
      }));
    },

    // The database's clock decides expiry, so servers with skewed clocks still agree on who holds a lease.
    async acquireLease(name, holder, ttlMs) {
      const { rows } = await query(
        `INSERT INTO tributary_leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE tributary_leases.holder = excluded.holder OR tributary_leases.expires_at < clock_timestamp()
         RETURNING holder`,
        [name, holder, ttlMs],
      );
      return rows.length === 1;
    },

    async releaseLease(name, holder) {
      await query("DELETE FROM tributary_leases WHERE name = $1 AND holder = $2", [name, holder]);
    },

    cluster: {
      // One statement: this server's row is refreshed, rows gone for an hour are dropped, the live ones read.
      async heartbeat(self, liveMs) {
        const { rows } = await query(
          `WITH seen AS (
             INSERT INTO tributary_servers (id, url, seen_at) VALUES ($1, $2, clock_timestamp())
             ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at
           ), dropped AS (DELETE FROM tributary_servers WHERE seen_at < clock_timestamp() - interval '1 hour')
           SELECT id, url FROM tributary_servers WHERE seen_at > clock_timestamp() - $3 * interval '1 millisecond' AND id <> $1`,
          [self.id, self.url, liveMs],
        );
        return [self, ...(rows as { id: string; url: string }[])];
      },
      async leave(id) {
        await query("DELETE FROM tributary_servers WHERE id = $1", [id]);
      },
      heard(project, path, events) {
        const id = streamIds.get(`${project}\u0000${path}`);
        if (id === undefined || events.length === 0 || !wanted(project, path)) return;
        if (heldCount + events.length > maxHeldEvents) {
          held.clear();
          heldCount = 0;
        }
        let known = held.get(id);
        if (!known) held.set(id, (known = new Map()));
        for (const item of events) {
          if (!known.has(item.event.offset)) heldCount += 1;
          known.set(item.event.offset, item);
        }
      },
    },

    onCommit(listener, wants) {
      listeners.set(listener, wants);
      return () => listeners.delete(listener);
    },

    async health() {
      const started = performance.now();
      try {
        await query("SELECT 1");
        return {
          ok: true,
          backend: "postgres",
          latencyMs: Math.round((performance.now() - started) * 10) / 10,
          live: listener.connected(),
        };
      } catch (error) {
        return {
          ok: false,
          backend: "postgres",
          error: error instanceof Error ? error.message : String(error),
        };
      }
    },

    async close() {
      closed = true;
      await listener.close();
      await poking;
      const lastWriter = writer;
      writer = undefined;
      await lastWriter?.client.end().catch(() => undefined);
      await tailer.close();
      await pool.end();
    },
  };
}

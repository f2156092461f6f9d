import { randomUUID } from "node:crypto";
import pg from "pg";
import { ancestorPaths, TributaryError, type StoredEvent, type StreamPath } from "@tributary/protocol";
import { checkForkOffset, forkTargetExists, planAppend, planChildDeleted, type PlannedWrite } from "../append-rules.ts";
import { markedNamespaces } from "../mark-store.ts";
import type {
  AppendRequest,
  AppendResult,
  CommittedStreamEvents,
  EncodedPage,
  EventRecord,
  ForkRequest,
  MarkedStream,
  SecretInfo,
  StreamInfo,
  StreamStore,
} from "../stream-store.ts";
import { createCommitAnnouncer } from "./commit-announcer.ts";
import { postgresSchema } from "./schema.ts";
import { postgresFilterCondition } from "./filter-sql.ts";
import { createPostgresDurableStreamMeta, postgresDurableStreamSchema } from "./postgres-durable-stream-meta.ts";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

type Committed = { event: StoredEvent; json: string };
type Row = { id: string; path: string; last_offset: string; created_at: string };

const channel = "tributary_commits";
const retryable = new Set(["40001", "40P01"]);
const slashes = "(length(path) - length(replace(path, '/', '')))";

/**
 * The scale-out store: several server processes share one PostgreSQL database.
 *
 * 1. An append is one transaction. The target stream's row is locked (`FOR UPDATE`), and when the append
 *    creates streams, so are the ancestors', always in path order, so concurrent appends cannot deadlock
 *    each other; a deadlock or serialization failure from elsewhere is retried.
 * 2. Every transaction NOTIFYs each stream it touched (`first..last` offsets). Every process LISTENs, so
 *    `onCommit` hears other servers' commits too (see commit-announcer.ts for the ordering rules).
 * 3. A 2xx answer means PostgreSQL committed (its own durability settings apply: fsync on by default).
 *
 * @example
 * const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL! });
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<StreamStore> {
  const serverId = randomUUID();
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  pool.on("error", (error) => console.error("tributary: idle PostgreSQL connection failed", error.message));
  const setup = await pool.connect();
  try {
    await setup.query("SELECT pg_advisory_lock(hashtext('tributary-schema'))");
    await setup.query(postgresSchema);
    await setup.query(postgresDurableStreamSchema);
    await setup.query("SELECT pg_advisory_unlock(hashtext('tributary-schema'))");
  } finally {
    setup.release();
  }

  const listeners = new Set<(batch: CommittedStreamEvents) => void>();
  const announcer = createCommitAnnouncer({
    readRange: async (project, path, after, upTo) => {
      const { rows } = await pool.query(
        `SELECT e."offset", e.json FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id
         WHERE s.project = $1 AND s.path = $2 AND e."offset" > $3 AND e."offset" <= $4 ORDER BY e."offset"`,
        [project, path, after, upTo],
      );
      return rows.map((row: { json: string }) => ({ event: JSON.parse(row.json) as StoredEvent, json: row.json }));
    },
    emit: (batch) => {
      for (const listener of listeners) {
        try {
          listener(batch);
        } catch (error) {
          console.error("tributary: a commit listener threw", error);
        }
      }
    },
  });

  const listener = new pg.Client({ connectionString: options.connectionString });
  await listener.connect();
  listener.on("notification", (message) => {
    if (!message.payload) return;
    const notice = JSON.parse(message.payload) as { server: string; project: string; path: string; first: number; last: number };
    if (notice.server === serverId) return;
    void announcer.remote(notice.project, notice.path, notice.first, notice.last).catch((error) => {
      console.error("tributary: reading another server's commit failed", error);
    });
  });
  listener.on("error", (error) => console.error("tributary: the PostgreSQL LISTEN connection failed", error.message));
  await listener.query(`LISTEN ${channel}`);

  async function transaction<T>(work: (client: pg.PoolClient, touched: Map<string, Committed[]>) => Promise<T>): Promise<{ value: T; touched: Map<string, Committed[]> }> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      const touched = new Map<string, Committed[]>();
      try {
        await client.query("BEGIN");
        const value = await work(client, touched);
        for (const [key, events] of touched) {
          const [project, path] = key.split("\u0000") as [string, string];
          const payload = JSON.stringify({ server: serverId, project, path, first: events[0]!.event.offset, last: events.at(-1)!.event.offset });
          await client.query("SELECT pg_notify($1, $2)", [channel, payload]);
        }
        await client.query("COMMIT");
        return { value, touched };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        if (attempt < 5 && retryable.has((error as { code?: string }).code ?? "")) continue;
        throw error;
      } finally {
        client.release();
      }
    }
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
    await client.query(`INSERT INTO tributary_events (stream_id, "offset", type, json) VALUES ($1, $2, $3, $4)`, [row.id, event.offset, event.type, json]);
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

  return {
    ...createPostgresDurableStreamMeta(pool),
    // Concurrent transactions may commit in any order, so the appender waits for each commit.
    commitsInCallOrder: false,
    async append(request: AppendRequest): Promise<AppendResult> {
      const { project, path } = request;
      const { value, touched } = await transaction(async (client, touched) => {
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
        await saveOffsets(client, [...plan.heads.keys()].map((headPath) => rows.get(headPath)!));
        return { events: plan.events, createdPaths: createdPaths.sort((a, b) => a.split("/").length - b.split("/").length) as StreamPath[] };
      });
      await announceLocal(touched);
      return value;
    },

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
        const locked = await client.query(`SELECT id, path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path = ANY($2::text[]) ORDER BY path FOR UPDATE`, [project, candidates]);
        const rows = new Map((locked.rows as Row[]).map((row) => [row.path, row]));
        const target = rows.get(to)!;
        // The envelope's own `,"streamPath":…,"offset":N,"createdAt":` is the first such text in its JSON: the
        // payload comes first, and only an object embedding an envelope of this very stream and offset could
        // hold it. So only it is replaced and the rest stays byte for byte (jsonb would reorder and re-space).
        await client.query(
          `INSERT INTO tributary_events (stream_id, "offset", type, json)
           SELECT $1, "offset", type, overlay(json PLACING $2 || tail FROM position($3 || tail IN json) FOR length($3 || tail))
           FROM (SELECT "offset", type, json, ',"offset":' || "offset" || ',"createdAt":' AS tail FROM tributary_events WHERE stream_id = $4 AND "offset" <= $5) prefix`,
          [target.id, `,"streamPath":${JSON.stringify(to)}`, `,"streamPath":${JSON.stringify(from)}`, source.id, atOffset],
        );
        await client.query(`INSERT INTO tributary_idempotency_keys (stream_id, key, "offset") SELECT $1, key, "offset" FROM tributary_idempotency_keys WHERE stream_id = $2 AND "offset" <= $3`, [target.id, source.id, atOffset]);
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
        const plan = planAppend({ request: { project, path: to, events: request.events }, createdPaths: createdPaths as StreamPath[], originals: new Map(), createdAt, lastOffsetOf: (candidate) => Number(rows.get(candidate)!.last_offset) });
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
      const { rows } = await pool.query(
        `SELECT e."offset", e.json FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id
         WHERE s.project = $1 AND s.path = $2 AND e."offset" > $3 AND e."offset" < $4${filter.sql} ORDER BY e."offset" LIMIT $5`,
        [project, path, range.afterOffset, range.beforeOffset ?? Number.MAX_SAFE_INTEGER, range.limit, ...filter.params],
      );
      return rows.map((row: { offset: string; json: string }) => ({ offset: Number(row.offset), json: row.json }));
    },

    async readEncoded(project, path, range, format): Promise<EncodedPage> {
      const item = { sse: `'id: ' || "offset" || E'\\n' || 'data: ' || json || E'\\n\\n'`, ndjson: `json || E'\\n'`, json: "json" }[format];
      const separator = format === "json" ? "','" : "''";
      const filter = postgresFilterCondition(range.filter, 6);
      const { rows } = await pool.query(
        `SELECT string_agg(${item}, ${separator} ORDER BY "offset") AS text, count(*) AS count, max("offset") AS last FROM (
           SELECT e."offset", e.json FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id
           WHERE s.project = $1 AND s.path = $2 AND e."offset" > $3 AND e."offset" < $4${filter.sql} ORDER BY e."offset" LIMIT $5) page`,
        [project, path, range.afterOffset, range.beforeOffset ?? Number.MAX_SAFE_INTEGER, range.limit, ...filter.params],
      );
      const row = rows[0] as { text: string | null; count: string; last: string | null };
      return { text: row.text ?? "", count: Number(row.count), lastOffset: row.last === null ? undefined : Number(row.last) };
    },

    async info(project, path): Promise<StreamInfo | undefined> {
      const { rows } = await pool.query("SELECT last_offset, created_at FROM tributary_streams WHERE project = $1 AND path = $2", [project, path]);
      const row = rows[0] as { last_offset: string; created_at: string } | undefined;
      return row ? { path, lastOffset: Number(row.last_offset), createdAt: row.created_at } : undefined;
    },

    async list(project, path, { depth, limit }): Promise<StreamInfo[]> {
      const baseSlashes = path === "/" ? 0 : path.split("/").length - 1;
      const maxSlashes = depth === undefined ? 1_000_000 : baseSlashes + depth;
      const { rows } =
        path === "/"
          ? await pool.query(`SELECT path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path <> '/' AND ${slashes} <= $2 ORDER BY path LIMIT $3`, [project, maxSlashes, limit])
          : await pool.query(`SELECT path, last_offset, created_at FROM tributary_streams WHERE project = $1 AND path >= $2 AND path < $3 AND ${slashes} <= $4 ORDER BY path LIMIT $5`, [
              project,
              `${path}/`,
              `${path}0`,
              maxSlashes,
              limit,
            ]);
      return rows.map((row: { path: string; last_offset: string; created_at: string }) => ({ path: row.path, lastOffset: Number(row.last_offset), createdAt: row.created_at }));
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
      for (const deleted of value.deletedPaths) announcer.forget(project, deleted);
      await announceLocal(touched);
      return value;
    },

    async getSnapshot(project, path, name) {
      const { rows } = await pool.query(`SELECT "offset", json FROM tributary_snapshots WHERE project = $1 AND path = $2 AND name = $3`, [project, path, name]);
      return rows[0] ? { offset: Number(rows[0].offset), json: rows[0].json as string } : undefined;
    },

    async putSnapshot(project, path, name, snapshot) {
      await pool.query(
        `INSERT INTO tributary_snapshots (project, path, name, "offset", json) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project, path, name) DO UPDATE SET "offset" = excluded."offset", json = excluded.json WHERE excluded."offset" >= tributary_snapshots."offset"`,
        [project, path, name, snapshot.offset, snapshot.json],
      );
    },

    async getCursor(project, path, consumer) {
      const { rows } = await pool.query(`SELECT "offset" FROM tributary_consumer_cursors WHERE project = $1 AND path = $2 AND consumer = $3`, [project, path, consumer]);
      return rows[0] ? Number((rows[0] as { offset: string }).offset) : undefined;
    },

    async setCursor(project, path, consumer, offset) {
      await pool.query(
        `INSERT INTO tributary_consumer_cursors (project, path, consumer, "offset", updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project, path, consumer) DO UPDATE SET "offset" = excluded."offset", updated_at = excluded.updated_at`,
        [project, path, consumer, offset, new Date().toISOString()],
      );
    },

    async listMarkedStreams(namespace): Promise<MarkedStream[]> {
      const { rows } = await pool.query("SELECT project, path FROM tributary_marked_streams WHERE namespace = $1 ORDER BY project, path", [namespace]);
      return rows as MarkedStream[];
    },

    async unmarkStream(project, path, namespace, throughOffset) {
      await pool.query("DELETE FROM tributary_marked_streams WHERE namespace = $1 AND project = $2 AND path = $3 AND last_offset <= $4", [
        namespace,
        project,
        path,
        throughOffset,
      ]);
    },

    async putSecret(project, name, value) {
      const updatedAt = new Date().toISOString();
      const { rows } = await pool.query(
        `INSERT INTO tributary_secrets (project, name, value, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         RETURNING (xmax = 0) AS created`,
        [project, name, value, updatedAt],
      );
      return { created: Boolean((rows[0] as { created: boolean }).created), updatedAt };
    },

    async getSecret(project, name) {
      const { rows } = await pool.query("SELECT value FROM tributary_secrets WHERE project = $1 AND name = $2", [project, name]);
      return (rows[0] as { value: string } | undefined)?.value;
    },

    async deleteSecret(project, name) {
      const result = await pool.query("DELETE FROM tributary_secrets WHERE project = $1 AND name = $2", [project, name]);
      return (result.rowCount ?? 0) > 0;
    },

    async listSecrets(project): Promise<SecretInfo[]> {
      const { rows } = await pool.query("SELECT name, updated_at FROM tributary_secrets WHERE project = $1 ORDER BY name", [project]);
      return (rows as { name: string; updated_at: string }[]).map((row) => ({ name: row.name, updatedAt: row.updated_at }));
    },

    // The database's clock decides expiry, so servers with skewed clocks still agree on who holds a lease.
    async acquireLease(name, holder, ttlMs) {
      const { rows } = await pool.query(
        `INSERT INTO tributary_leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE tributary_leases.holder = excluded.holder OR tributary_leases.expires_at < clock_timestamp()
         RETURNING holder`,
        [name, holder, ttlMs],
      );
      return rows.length === 1;
    },

    async releaseLease(name, holder) {
      await pool.query("DELETE FROM tributary_leases WHERE name = $1 AND holder = $2", [name, holder]);
    },

    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      await listener.end().catch(() => undefined);
      await pool.end();
    },
  };
}

import type pg from "pg";
import type { Logger } from "../../logger.ts";
import { prepared } from "./prepared.ts";
import { historyOrigin } from "./schema.ts";

/**
 * One committed event as the tailer finds it. `json` is null for this server's own events (announced
 * locally), for events `known` named (held already), and for streams outside `jsonFor`.
 */
export interface TailedEvent {
  streamId: string;
  project: string;
  path: string;
  offset: number;
  json: string | null;
}

/** What a read need not send JSON for: events this server holds, and the streams nobody here wants. */
export interface TailerInterest {
  /** Stream ids whose events' JSON is wanted; undefined: every stream's. */
  jsonFor: string[] | undefined;
  /** Events held already (stream id and offset, pairwise): read without JSON. */
  knownStreams: string[];
  knownOffsets: number[];
}

/** Where the tailer has read up to: every event at or before this key has been handed on. */
interface Position {
  xid: string;
  streamId: string;
  offset: string;
}

const pageSize = 1000;

/**
 * Follows every server's commits by reading the events table in commit-position order, instead of
 * trusting one notification per commit: notifications only wake it, so a lost notification, a killed
 * LISTEN connection or a whole database restart loses nothing; the next read picks up where it stopped.
 *
 * The position is `(xid, stream_id, offset)`: each event row carries the id of the transaction that wrote
 * it (`pg_current_xact_id()`). Transaction ids are handed out before commit, so they are not commit order;
 * what makes the position safe is the horizon `pg_snapshot_xmin(pg_current_snapshot())`, the oldest
 * transaction still running. Every row below it is final (committed, or never will be), and every
 * transaction that commits later has an id at or above it. So:
 * 1. A read hands on, in key order, only the rows below the horizon, and moves the position past them;
 *    each committed event is handed on exactly once, however late its transaction commits.
 * 2. Rows at or above the horizon (committed while an older transaction still runs) are read again soon.
 * 3. Per stream, offsets can arrive out of order across transactions; the commit announcer fills gaps.
 * 4. A transaction held open for long (by anything, in any database of the cluster) holds back the
 *    horizon and so delays cross-server delivery until it ends; appends are short transactions.
 */
export function createCommitTailer(options: {
  pool: pg.Pool;
  /** This server's origin number: its own events come back without JSON. */
  origin: number;
  deliver: (events: TailedEvent[]) => Promise<void>;
  /** Asked before every read (default: JSON for every other server's event). */
  interest?: () => TailerInterest;
  logger: Logger;
  /** How often to read without being woken (a notification can be lost); ms. */
  idlePollMs?: number;
}) {
  let position: Position | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  const idlePollMs = options.idlePollMs ?? 1000;

  async function start(): Promise<void> {
    const { rows } = await options.pool.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
    // Everything below the horizon now is history; everything from it on is new to this server.
    position = {
      xid: (rows[0] as { xmin: string }).xmin,
      streamId: "0",
      offset: "0",
    };
    arm(idlePollMs);
  }

  function arm(ms: number) {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(wake, ms);
    timer.unref();
  }

  /** Reads the next page(s); `heldBack` tells whether rows above the horizon are waiting. */
  async function readOnce(): Promise<{ full: boolean; heldBack: boolean }> {
    const from = position!;
    const interest = options.interest?.() ?? { jsonFor: undefined, knownStreams: [], knownOffsets: [] };
    const { rows } = await options.pool.query(
      prepared(
        // Rows at or above the horizon are read again later: their JSON is not sent now (under steady writes
        // from several servers most reads find some, and re-sending their JSON cost more than the rest).
        // Nor is the JSON of events this server holds already ($6, $7: a forwarded append's answer) or of
        // streams no listener here wants ($5): the announcer reads it for a stream wanted after all.
        `WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
       SELECT e.xid::text AS xid, e.stream_id::text AS stream_id, e."offset"::text AS "offset", s.project, s.path,
              e.xid < h.xmin AS settled,
              CASE WHEN e.origin = $4 OR e.xid >= h.xmin OR NOT ($5::bigint[] IS NULL OR e.stream_id = ANY($5::bigint[]))
                     OR (e.stream_id, e."offset") IN (SELECT * FROM unnest($6::bigint[], $7::bigint[]))
                   THEN NULL ELSE e.json END AS json
       FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id CROSS JOIN horizon h
       WHERE (e.xid, e.stream_id, e."offset") > ($1::xid8, $2::bigint, $3::bigint) AND e.origin <> ${historyOrigin}
       ORDER BY e.xid, e.stream_id, e."offset" LIMIT ${pageSize}`,
        [from.xid, from.streamId, from.offset, options.origin, interest.jsonFor ?? null, interest.knownStreams, interest.knownOffsets],
      ),
    );
    type Row = {
      xid: string;
      stream_id: string;
      offset: string;
      project: string;
      path: string;
      settled: boolean;
      json: string | null;
    };
    const settled: Row[] = [];
    for (const row of rows as Row[]) {
      if (!row.settled) break;
      settled.push(row);
    }
    if (settled.length > 0) {
      await options.deliver(
        settled.map((row) => ({
          streamId: row.stream_id,
          project: row.project,
          path: row.path,
          offset: Number(row.offset),
          json: row.json,
        })),
      );
      const last = settled.at(-1)!;
      position = {
        xid: last.xid,
        streamId: last.stream_id,
        offset: last.offset,
      };
    }
    return {
      full: settled.length === pageSize,
      heldBack: settled.length < rows.length,
    };
  }

  async function drain(): Promise<void> {
    let heldBack = false;
    try {
      do {
        again = false;
        for (;;) {
          const page = await readOnce();
          heldBack = page.heldBack;
          if (!page.full) break;
        }
      } while (again && !closed);
      if (failing) options.logger.info("reading other servers' commits works again");
      failing = false;
    } catch (error) {
      if (!failing)
        options.logger.warn("could not read other servers' commits; retrying", {
          error: String(error),
        });
      failing = true;
    }
    // Held back by an older open transaction, or failing: look again soon; otherwise at the idle pace.
    arm(failing ? 250 : heldBack ? 10 : idlePollMs);
  }

  function wake(): void {
    if (closed || position === undefined) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = drain().finally(() => {
      running = undefined;
    });
  }

  return {
    start,
    /** Something may have been committed elsewhere: read now (coalesced with a read under way). */
    wake,
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}

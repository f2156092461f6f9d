import type pg from "pg";
import type { StoredEvent } from "@tributary/protocol";
import { buildEventParts } from "../append-rules.ts";
import { prepared } from "./prepared.ts";
import type { AppendRequest, AppendResult } from "../event-log.ts";

/** Fails the statement (division by zero) unless `$7` is empty or the session's last committed batch (4 below). */
const guardHolds = `1 / (CASE WHEN $7::text = '' OR current_setting('tributary.batch', true) = $7::text THEN 1 ELSE 0 END) = 1`;

/**
 * A batch on one stream (every batch of a one-stream workload): its row is locked and its head moved by one
 * UPDATE, whose new head less the count is where the batch starts (under READ COMMITTED a concurrent commit
 * is waited for and the latest head re-read); the events follow it in the batch's order (ordinality).
 * The same result as `manyStreams` with one stream, without its lock query, join and grouping: about a
 * quarter less of PostgreSQL's CPU per batch (probes/batch-statement-ab.ts), and no id and ordinal arrays to send.
 */
const oneStream = `WITH head AS (
   UPDATE tributary_streams SET last_offset = last_offset + $2::bigint WHERE id = $1::bigint AND ${guardHolds}
   RETURNING id, last_offset - $2::bigint AS before
 ), inserted AS (
   INSERT INTO tributary_events (stream_id, "offset", type, json, origin)
   SELECT $1::bigint, h.before + t.n, t.type, t.head || (h.before + t.n) || t.tail, $6
   FROM head h, unnest($3::text[], string_to_array($4, E'\\n'), string_to_array($5, E'\\n')) WITH ORDINALITY AS t(type, head, tail, n)
 )
 SELECT id::text AS id, before::text AS before, set_config('tributary.batch', $8::text, false) FROM head`;

/** A batch on several streams: their rows locked in id order, each stream's events numbered from its head. */
const manyStreams = `WITH input AS (
   SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], string_to_array($4, E'\\n'), string_to_array($5, E'\\n')) AS t(stream_id, n, type, head, tail)
   WHERE ${guardHolds}
 ), locked AS (
   SELECT id, last_offset FROM tributary_streams WHERE id IN (SELECT DISTINCT stream_id FROM input) ORDER BY id FOR UPDATE
 ), inserted AS (
   INSERT INTO tributary_events (stream_id, "offset", type, json, origin)
   SELECT i.stream_id, l.last_offset + i.n, i.type, i.head || (l.last_offset + i.n) || i.tail, $6
   FROM input i JOIN locked l ON l.id = i.stream_id
   RETURNING stream_id
 ), heads AS (
   UPDATE tributary_streams s SET last_offset = l.last_offset + c.count
   FROM locked l JOIN (SELECT stream_id, count(*) AS count FROM input GROUP BY stream_id) c ON c.stream_id = l.id
   WHERE s.id = l.id
   RETURNING s.id, l.last_offset AS before
 )
 SELECT id::text AS id, before::text AS before, set_config('tributary.batch', $8::text, false) FROM heads`;

/** One request of a batch, with the id of its (existing) stream. */
export interface BatchItem {
  request: AppendRequest;
  streamId: string;
}

/**
 * Appends a batch of plain requests (existing streams; no idempotency keys, offset preconditions, fences or
 * marked types) in one statement, so the batch costs one round trip and one commit however many requests
 * and streams it holds, and each stream's row is locked only for the length of that statement.
 *
 * 1. The streams' rows are locked in id order (`FOR UPDATE`), so batches of several servers never deadlock
 *    each other; the offsets follow the locked heads, in the batch's order. A batch on one stream takes
 *    the simpler `oneStream` statement (the same result).
 * 2. The stored JSON is built by the database around the offset (`head || offset || tail`), byte for byte
 *    what `JSON.stringify` of the stored envelope gives, so reads serve the same bytes on every backend.
 *    The heads and the tails go as one text each, joined by newlines (JSON.stringify never writes a raw
 *    one), so neither node-pg nor PostgreSQL escapes or parses them as array elements.
 * 3. A request whose stream was deleted meanwhile (by another server) is not stored; it comes back as
 *    `undefined`, and the caller appends it the slow way (which creates the stream anew).
 * 4. `guard`, for a batch sent on a connection behind another one still in flight (pipelined): the batch
 *    records `guard.seq` in the session (`tributary.batch`, a setting that a failed statement rolls back),
 *    and a batch with `guard.after` fails (division by zero) unless the session holds that value, that is,
 *    unless the batch it was sent behind committed. So a batch never commits after its predecessor failed,
 *    and the caller can retry both in their order.
 */
export async function appendBatch(
  client: pg.Pool | pg.PoolClient | pg.Client,
  origin: number,
  items: BatchItem[],
  guard: { seq: string; after: string | undefined } = { seq: "", after: undefined },
): Promise<(AppendResult | undefined)[]> {
  const createdAt = new Date().toISOString();
  const streamIds: string[] = [];
  const ordinals: number[] = [];
  const types: string[] = [];
  const heads: string[] = [];
  const tails: string[] = [];
  const counts = new Map<string, number>();
  const placed: { streamId: string; ordinal: number; head: string; tail: string; event: StoredEvent }[][] = [];
  for (const { request, streamId } of items) {
    const events = [];
    for (const input of request.events) {
      const ordinal = (counts.get(streamId) ?? 0) + 1;
      counts.set(streamId, ordinal);
      // The envelope as every backend builds it, in two parts around the offset the statement assigns.
      const { event, head, tail } = buildEventParts(request.path, input, createdAt);
      streamIds.push(streamId);
      ordinals.push(ordinal);
      types.push(input.type);
      heads.push(head);
      tails.push(tail);
      events.push({ streamId, ordinal, head, tail, event });
    }
    placed.push(events);
  }
  const { rows } = await client.query(
    counts.size === 1
      ? prepared(oneStream, [streamIds[0], streamIds.length, types, heads.join("\n"), tails.join("\n"), origin, guard.after ?? "", guard.seq])
      : prepared(manyStreams, [streamIds, ordinals, types, heads.join("\n"), tails.join("\n"), origin, guard.after ?? "", guard.seq]),
  );
  const before = new Map((rows as { id: string; before: string }[]).map((row) => [row.id, Number(row.before)]));
  return placed.map((events) => {
    if (events.length === 0) return { events: [], createdPaths: [] };
    const start = before.get(events[0]!.streamId);
    if (start === undefined) return undefined;
    return {
      events: events.map(({ ordinal, head, tail, event }) => {
        const offset = start + ordinal;
        return { event: { ...event, offset }, json: `${head}${offset}${tail}`, replayed: false };
      }),
      createdPaths: [],
    };
  });
}

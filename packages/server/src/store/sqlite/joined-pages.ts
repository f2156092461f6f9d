import type { DatabaseSync, StatementSync } from "node:sqlite";

export type JoinedFormat = "sse" | "ndjson" | "json";

const joinedItems: Record<JoinedFormat, readonly [item: string, separator: string]> = {
  sse: ["'id: ' || offset || char(10) || 'data: ' || json || char(10) || char(10)", "''"],
  ndjson: ["json || char(10)", "''"],
  json: ["json", "','"],
};

/**
 * Events per SQLite call of `readEncoded`. The ordered aggregate sorts its input (SQLite does not carry
 * the subquery's order into it), and a sort past the page cache (2 MB by default) goes to temporary
 * storage: a 10,000-event page of ~200-byte events read as ten pieces of 1,000 costs less CPU than one
 * piece (probes/catch-up-encoding.ts).
 */
export const joinedPieceSize = 1000;

/** A piece as the database joined it: the bytes, how many events, the last offset. */
export interface JoinedPiece {
  bytes: Uint8Array | null;
  count: number;
  last: number | null;
}

/**
 * One piece of a page joined into wire-format bytes by the database (a BLOB: node:sqlite hands over the
 * bytes without decoding them into a string, and they go to the socket as they are), in offset order
 * by the aggregate's `ORDER BY`; `condition` narrows it (a read filter). Parameters: stream id,
 * afterOffset, beforeOffset, limit.
 */
export function joinedPageSql(format: JoinedFormat, condition = ""): string {
  const [item, separator] = joinedItems[format];
  return `SELECT CAST(group_concat(${item}, ${separator} ORDER BY offset) AS BLOB) AS bytes, count(*) AS count, max(offset) AS last FROM (SELECT offset, json FROM events WHERE stream_id = ? AND offset > ? AND offset < ?${condition} ORDER BY offset LIMIT ?)`;
}

/**
 * The unfiltered piece without the aggregate's sort, and with a receipt of the order it joined in.
 *
 * The aggregate's `ORDER BY` is what makes `group_concat`'s order defined (SQLite's documentation leaves
 * it arbitrary otherwise), and its sort is about a third of a catch-up page's SQLite time
 * (probes/catch-up-encoding.ts: 0.67–0.78 → 0.42–0.50 µs CPU an event). Without it, SQLite joins the
 * rows in the order the subquery yields them, which is offset order in every version we know; but
 * instead of relying on that, the same pass also joins each row's offset minus `afterOffset` (every
 * aggregate of a SELECT is stepped once per row, in the same order). For a dense range that receipt is
 * exactly `1,2,…,count`; anything else (another order, a gap) sends the caller back to the ordered
 * statement (`joinedInOffsetOrder`).
 */
function checkedJoinedPageSql(format: JoinedFormat): string {
  const [item, separator] = joinedItems[format];
  return `SELECT CAST(group_concat(${item}, ${separator}) AS BLOB) AS bytes, count(*) AS count, max(offset) AS last, group_concat(offset - CAST(?2 AS INTEGER)) AS receipt FROM (SELECT offset, json FROM events WHERE stream_id = ?1 AND offset > ?2 AND offset < ?3 ORDER BY offset LIMIT ?4)`;
}

/** `1,2,…,joinedPieceSize`, and where each prefix `1,…,n` ends: the receipt of every in-order piece. */
const inOrder = (() => {
  let text = "";
  const ends = [0];
  for (let n = 1; n <= joinedPieceSize; n++) {
    text += n === 1 ? "1" : `,${n}`;
    ends.push(text.length);
  }
  return { text, ends };
})();

/** Whether a checked piece of `count` events was joined in offset order with no gap (see checkedJoinedPageSql). */
export function joinedInOffsetOrder(receipt: string | null, count: number): boolean {
  if (count === 0) return true;
  return receipt !== null && count <= joinedPieceSize && receipt.length === inOrder.ends[count] && inOrder.text.startsWith(receipt);
}

/**
 * The prepared statements of unfiltered pieces, per format: `ordered` (the aggregate sorts) and `checked`
 * (no sort; its result carries `receipt`).
 */
export function prepareJoinedStatements(db: DatabaseSync): Record<JoinedFormat, { ordered: StatementSync; checked: StatementSync }> {
  const both = (format: JoinedFormat) => ({ ordered: db.prepare(joinedPageSql(format)), checked: db.prepare(checkedJoinedPageSql(format)) });
  return { sse: both("sse"), ndjson: both("ndjson"), json: both("json") };
}

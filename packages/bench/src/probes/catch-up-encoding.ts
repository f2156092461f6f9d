/**
 * Probe (not part of `npm run bench`): the server-side work of a catch-up read per event, without HTTP:
 * reading pages from SQLite (the server's schema) and turning them into the bytes written to the socket.
 * "today" is what stream-writer.ts does (TEXT rows, frames joined with `+=`, then `res.write(string)`,
 * whose chunked encoding runs `Buffer.byteLength` — flattening the rope — and then encodes it again);
 * the alternatives let SQLite build the page, or hand Buffers to the socket.
 *
 * Usage: node packages/bench/src/probes/catch-up-encoding.ts [events=200000]
 */
import { DatabaseSync } from "node:sqlite";

const count = Number(process.argv[2] ?? 200_000);
const db = new DatabaseSync(":memory:");
db.exec(
  "CREATE TABLE events (stream_id INTEGER NOT NULL, offset INTEGER NOT NULL, type TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (stream_id, offset)) WITHOUT ROWID",
);
const insert = db.prepare("INSERT INTO events VALUES (1, ?, 'bench/filled', ?)");
db.exec("BEGIN");
for (let i = 1; i <= count; i++) {
  const event = { type: "bench/filled", payload: { i, note: "x".repeat(64) }, streamPath: "/bench/catch-up", offset: i, createdAt: new Date().toISOString() };
  insert.run(i, JSON.stringify(event));
}
db.exec("COMMIT");

const range = "FROM events WHERE stream_id = ? AND offset > ? ORDER BY offset LIMIT ?";
const rows = db.prepare(`SELECT offset, json ${range}`);
const framesBlob = db.prepare(
  `SELECT max(offset) AS last, CAST(group_concat('id: ' || offset || char(10) || 'data: ' || json || char(10) || char(10), '' ORDER BY offset) AS BLOB) AS body FROM (SELECT offset, json ${range})`,
);
const jsonPageBlob = db.prepare(
  `SELECT max(offset) AS last, CAST('{"events":[' || group_concat(json, ',' ORDER BY offset) || ']}' AS BLOB) AS body FROM (SELECT offset, json ${range})`,
);

type Page = (after: number, size: number) => number;
const variants: [string, number, Page][] = [
  ["SQLite rows only (no encoding)", 1000, (after, size) => rows.all(1, after, size).length],
  [
    "SSE today: rows, frames by +=, byteLength + encode",
    1000,
    (after, size) => {
      let chunk = "";
      for (const row of rows.all(1, after, size) as { offset: number; json: string }[]) chunk += `id: ${row.offset}\ndata: ${row.json}\n\n`;
      return Buffer.byteLength(chunk) + Buffer.from(chunk).length;
    },
  ],
  ["SSE: SQLite builds the page as one BLOB (1000)", 1000, (after, size) => (framesBlob.get(1, after, size) as { body: Uint8Array }).body.length],
  ["SSE: SQLite builds the page as one BLOB (5000)", 5000, (after, size) => (framesBlob.get(1, after, size) as { body: Uint8Array }).body.length],
  [
    "JSON page today: rows, join, byteLength + encode",
    10_000,
    (after, size) => {
      const body = `{"events":[${(rows.all(1, after, size) as { json: string }[]).map((row) => row.json).join(",")}]}`;
      return Buffer.byteLength(body) + Buffer.from(body).length;
    },
  ],
  ["JSON page: SQLite builds it as one BLOB", 10_000, (after, size) => (jsonPageBlob.get(1, after, size) as { body: Uint8Array }).body.length],
];

console.log(`${count.toLocaleString("en-US")} events of ~${(rows.get(1, 0, 1) as { json: string }).json.length} bytes, best of 3:`);
for (const [name, size, page] of variants) {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    for (let after = 0; after < count; after += size) page(after, size);
    best = Math.min(best, (performance.now() - started) / count);
  }
  console.log(`  ${name.padEnd(52)} ${(best * 1000).toFixed(2)} µs per event (${Math.round(1 / best).toLocaleString("en-US")}k events/s)`);
}

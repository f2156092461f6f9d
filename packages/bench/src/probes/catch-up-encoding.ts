/**
 * Probe (not part of `npm run bench`): the server-side work of a catch-up page per event, without HTTP:
 * reading a page from SQLite (the server's schema and pragmas, a WAL file in a temporary directory) and
 * turning it into the bytes written to the socket (a string is counted with `Buffer.byteLength` and
 * encoded, as `node:http` does with a string body; a Buffer is written as it is).
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/catch-up-encoding.ts [events=200000] [filter-substring]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { createSqliteStore } from "@tributary/server";

const count = Number(process.argv[2] ?? 200_000);
const only = process.argv[3];
const dir = mkdtempSync(join(tmpdir(), "catch-up-encoding-"));
// The server's schema and file, then the same pragmas on a connection of our own.
await createSqliteStore({ dataDir: dir }).close();
const db = new DatabaseSync(join(dir, "tributary.db"));
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = NORMAL");
const insert = db.prepare("INSERT INTO events VALUES (1, ?, 'bench/filled', ?)");
db.exec("BEGIN");
for (let i = 1; i <= count; i++) {
  const event = { type: "bench/filled", payload: { i, note: "x".repeat(64) }, streamPath: "/bench/catch-up", offset: i, createdAt: new Date().toISOString() };
  insert.run(i, JSON.stringify(event));
}
db.exec("COMMIT");

const range = "FROM events WHERE stream_id = ? AND offset > ? AND offset < ? ORDER BY offset LIMIT ?";
const max = Number.MAX_SAFE_INTEGER;
const aggregate = (item: string, order: string, cast = false) =>
  db.prepare(
    `SELECT ${cast ? "CAST(" : ""}group_concat(${item}, ','${order})${cast ? " AS BLOB)" : ""} AS text, count(*) AS count, max(offset) AS last FROM (SELECT offset, json ${range})`,
  );
const today = aggregate("json", " ORDER BY offset");
// A second connection whose sorter stays in memory (temp_store = MEMORY): the aggregate's ORDER BY sorts
// the page, and a 2 MB page is past the default cache, so the sorter spills to a temporary file.
const memoryDb = new DatabaseSync(join(dir, "tributary.db"));
memoryDb.exec("PRAGMA temp_store = MEMORY");
const todayMemory = memoryDb.prepare(
  `SELECT group_concat(json, ',' ORDER BY offset) AS text, count(*) AS count, max(offset) AS last FROM (SELECT offset, json ${range})`,
);
const todayMemoryBlob = memoryDb.prepare(
  `SELECT CAST(group_concat(json, ',' ORDER BY offset) AS BLOB) AS text, count(*) AS count, max(offset) AS last FROM (SELECT offset, json ${range})`,
);
const unordered = aggregate("json", "");
const todayBlob = aggregate("json", " ORDER BY offset", true);
const rows = db.prepare(`SELECT offset, json ${range}`);
const rowsBlob = db.prepare(`SELECT offset, CAST(json AS BLOB) AS json ${range}`);
const arrays = db.prepare(`SELECT json ${range}`);
arrays.setReturnArrays(true);
const chunked = (chunk: number) =>
  db.prepare(
    `SELECT CAST(group_concat(json, ',' ORDER BY offset) AS BLOB) AS text, count(*) AS count, max(offset) AS last FROM (SELECT offset, json ${range}) GROUP BY (offset - 1) / ${chunk} ORDER BY 3`,
  );
const chunked1000 = chunked(1000);

const frame = "'id: ' || offset || char(10) || 'data: ' || json || char(10) || char(10)";
const sseBlob = (order: string, item = frame) =>
  db.prepare(`SELECT CAST(group_concat(${item}, ''${order}) AS BLOB) AS bytes, count(*) AS count, max(offset) AS last FROM (SELECT offset, json ${range})`);
const sseToday = sseBlob(" ORDER BY offset");
const sseUnordered = sseBlob("");
const ssePrintf = sseBlob(" ORDER BY offset", "printf('id: %d' || char(10) || 'data: %s' || char(10) || char(10), offset, json)");
const sseFramedInSubquery = db.prepare(
  `SELECT CAST(group_concat(frame, '' ORDER BY offset) AS BLOB) AS bytes, count(*) AS count, max(offset) AS last FROM (SELECT offset, ${frame} AS frame ${range})`,
);
// Connections that read the file through a memory map, or with a page cache that holds the stream.
const mmapDb = new DatabaseSync(join(dir, "tributary.db"));
mmapDb.exec("PRAGMA mmap_size = 1073741824");
const sseMmap = mmapDb.prepare(
  `SELECT CAST(group_concat(${frame}, '' ORDER BY offset) AS BLOB) AS bytes, count(*) AS count, max(offset) AS last FROM (SELECT offset, json ${range})`,
);
const cacheDb = new DatabaseSync(join(dir, "tributary.db"));
cacheDb.exec("PRAGMA cache_size = -65536");
const sseCache = cacheDb.prepare(
  `SELECT CAST(group_concat(${frame}, '' ORDER BY offset) AS BLOB) AS bytes, count(*) AS count, max(offset) AS last FROM (SELECT offset, json ${range})`,
);
const rowArrays = db.prepare(`SELECT offset, json ${range}`);
rowArrays.setReturnArrays(true);
const ssePieces =
  (statement: StatementSync, piece: number): Page =>
  (after, size) => {
    const parts: Uint8Array[] = [];
    let last = after;
    for (let read = 0; read < size; read += piece) {
      const page = statement.get(1, last, max, piece) as { bytes: Uint8Array; last: number };
      parts.push(page.bytes);
      last = page.last;
    }
    return parts.reduce((sum, part) => sum + part.length, 0);
  };

// JSON pieces as the server reads them: the aggregate's ORDER BY (today) against none, with the order
// checked by a second aggregate fed the same rows in the same pass (the offsets it joined).
const jsonPiece = (order: string, check = "") =>
  db.prepare(
    `SELECT CAST(group_concat(json, ','${order}) AS BLOB) AS bytes, count(*) AS count, max(offset) AS last${check} FROM (SELECT offset, json ${range})`,
  );
const jsonOrdered = jsonPiece(" ORDER BY offset");
const jsonUnordered = jsonPiece("");
const jsonChecked = jsonPiece("", ", group_concat(offset) AS offsets");
const jsonCheckedRelative = db.prepare(
  `SELECT CAST(group_concat(json, ',') AS BLOB) AS bytes, count(*) AS count, max(offset) AS last, group_concat(offset - CAST(?2 AS INTEGER)) AS offsets FROM (SELECT offset, json FROM events WHERE stream_id = ?1 AND offset > ?2 AND offset < ?3 ORDER BY offset LIMIT ?4)`,
);
const oneTo = expectedOffsetsFrom1(1000);
function expectedOffsetsFrom1(size: number) {
  let text = "1";
  const ends = [0, 1];
  for (let o = 2; o <= size; o++) {
    text += `,${o}`;
    ends.push(text.length);
  }
  return { text, ends };
}
const expectedOffsets = (from: number, size: number) => {
  let text = String(from);
  for (let o = from + 1; o < from + size; o++) text += `,${o}`;
  return text;
};
const jsonPieces =
  (statement: StatementSync, check?: (page: { offsets?: string; last: number; count: number }, after: number) => void): Page =>
  (after, size) => {
    const parts: Uint8Array[] = [];
    let last = after;
    for (let read = 0; read < size; read += 1000) {
      const page = statement.get(1, last, max, 1000) as { bytes: Uint8Array; last: number; count: number; offsets?: string };
      check?.(page, last);
      if (read > 0) parts.push(Buffer.from(","));
      parts.push(page.bytes);
      last = page.last;
    }
    return parts.reduce((sum, part) => sum + part.length, 0);
  };
const head = Buffer.from('{"streamPath":"/bench/catch-up","events":[');
const tail = (last: number) => `],"nextAfterOffset":${last},"hasMore":true,"lastOffset":${count}}`;
/** What `node:http` does with a string body: count its bytes, then encode it. */
const sendString = (body: string) => Buffer.byteLength(body) + Buffer.from(body).length;
const sendBuffers = (parts: Uint8Array[]) => Buffer.concat(parts).length;

type Page = (after: number, size: number) => number;
const textPage =
  (statement: StatementSync): Page =>
  (after, size) => {
    const page = statement.get(1, after, max, size) as { text: string; last: number };
    return sendString(`{"streamPath":"/bench/catch-up","events":[${page.text}${tail(page.last)}`);
  };
const blobPage =
  (statement: StatementSync): Page =>
  (after, size) => {
    const page = statement.get(1, after, max, size) as { text: Uint8Array; last: number };
    return sendBuffers([head, page.text, Buffer.from(tail(page.last))]);
  };
const comma = Buffer.from(",");

const variants: [string, number, Page][] = [
  ["SSE: BLOB, ORDER BY (today), 1000", 1000, ssePieces(sseToday, 1000)],
  ["SSE: BLOB, ORDER BY, 5000 in pieces of 1000", 5000, ssePieces(sseToday, 1000)],
  ["SSE: BLOB, ORDER BY, 5000 in one", 5000, ssePieces(sseToday, 5000)],
  ["SSE: BLOB, ORDER BY, mmap_size 1 GiB, 1000", 1000, ssePieces(sseMmap, 1000)],
  ["SSE: BLOB, ORDER BY, cache_size 64 MiB, 1000", 1000, ssePieces(sseCache, 1000)],
  ["SSE: BLOB without ORDER BY (order not guaranteed), 1000", 1000, ssePieces(sseUnordered, 1000)],
  ["SSE: BLOB, printf frames, 1000", 1000, ssePieces(ssePrintf, 1000)],
  ["SSE: BLOB, frames built in the subquery, 1000", 1000, ssePieces(sseFramedInSubquery, 1000)],
  [
    "SSE: rows as arrays, frames by += in JS, Buffer.from, 1000",
    1000,
    (after, size) => {
      let text = "";
      for (const [offset, json] of rowArrays.all(1, after, max, size) as unknown as [number, string][]) text += `id: ${offset}\ndata: ${json}\n\n`;
      return Buffer.from(text).length;
    },
  ],
  ["JSON pieces: BLOB, ORDER BY (today), 1000", 10_000, jsonPieces(jsonOrdered)],
  ["JSON pieces: BLOB without ORDER BY (unchecked), 1000", 10_000, jsonPieces(jsonUnordered)],
  [
    "JSON pieces: BLOB without ORDER BY, offsets checked, 1000",
    10_000,
    jsonPieces(jsonChecked, (page, after) => {
      if (page.offsets !== expectedOffsets(after + 1, page.count)) throw new Error("out of order");
    }),
  ],
  [
    "JSON pieces: BLOB without ORDER BY, offsets - after checked, 1000",
    10_000,
    jsonPieces(jsonCheckedRelative, (page) => {
      if (page.offsets!.length !== oneTo.ends[page.count] || !oneTo.text.startsWith(page.offsets!)) throw new Error("out of order");
    }),
  ],
  ["rows only (no encoding)", 10_000, (after, size) => rows.all(1, after, max, size).length],
  ["today: group_concat ORDER BY -> string", 10_000, textPage(today)],
  ["today, 1000-event pages", 1000, textPage(today)],
  ["today, temp_store = MEMORY", 10_000, textPage(todayMemory)],
  ["group_concat ORDER BY -> BLOB, temp_store = MEMORY", 10_000, blobPage(todayMemoryBlob)],
  ["group_concat without ORDER BY -> string (order not guaranteed)", 10_000, textPage(unordered)],
  ["group_concat ORDER BY -> BLOB", 10_000, blobPage(todayBlob)],
  [
    "group_concat ORDER BY -> BLOB, 10 reads of 1000",
    10_000,
    (after, size) => {
      const parts: Uint8Array[] = [head];
      let last = after;
      for (let read = 0; read < size; read += 1000) {
        const page = todayBlob.get(1, last, max, 1000) as { text: Uint8Array; last: number; count: number };
        if (read > 0) parts.push(comma);
        parts.push(page.text);
        last = page.last;
      }
      parts.push(Buffer.from(tail(last)));
      return sendBuffers(parts);
    },
  ],
  [
    "one query, GROUP BY 1000-event chunks -> BLOBs",
    10_000,
    (after, size) => {
      const chunks = chunked1000.all(1, after, max, size) as { text: Uint8Array; last: number }[];
      const parts: Uint8Array[] = [head];
      for (const [index, chunk] of chunks.entries()) {
        if (index > 0) parts.push(comma);
        parts.push(chunk.text);
      }
      parts.push(Buffer.from(tail(chunks.at(-1)!.last)));
      return sendBuffers(parts);
    },
  ],
  [
    "rows (objects), join in JS -> string",
    10_000,
    (after, size) => {
      const page = rows.all(1, after, max, size) as { offset: number; json: string }[];
      return sendString(`{"streamPath":"/bench/catch-up","events":[${page.map((row) => row.json).join(",")}${tail(page.at(-1)!.offset)}`);
    },
  ],
  [
    "rows (arrays, setReturnArrays), join in JS -> string",
    10_000,
    (after, size) => {
      const page = arrays.all(1, after, max, size) as unknown as [string][];
      let text = "";
      for (const [index, row] of page.entries()) text += index === 0 ? row[0] : `,${row[0]}`;
      return sendString(`{"streamPath":"/bench/catch-up","events":[${text}${tail(after + page.length)}`);
    },
  ],
  [
    "rows as BLOBs, Buffer.concat",
    10_000,
    (after, size) => {
      const page = rowsBlob.all(1, after, max, size) as { offset: number; json: Uint8Array }[];
      const parts: Uint8Array[] = [head];
      for (const [index, row] of page.entries()) {
        if (index > 0) parts.push(comma);
        parts.push(row.json);
      }
      parts.push(Buffer.from(tail(page.at(-1)!.offset)));
      return sendBuffers(parts);
    },
  ],
  [
    "rows as BLOBs by iterate(), Buffer.concat",
    10_000,
    (after, size) => {
      const parts: Uint8Array[] = [head];
      let last = after;
      for (const row of rowsBlob.iterate(1, after, max, size) as Iterable<{ offset: number; json: Uint8Array }>) {
        if (last > after) parts.push(comma);
        parts.push(row.json);
        last = row.offset;
      }
      parts.push(Buffer.from(tail(last)));
      return sendBuffers(parts);
    },
  ],
];

// CPU time (user + system) of this process per event, the best of 5 rounds taken in turn (A B C … A B C …):
// it holds better than wall time on a shared machine.
const chosen = variants.filter(([name]) => only === undefined || name.includes(only));
const best = chosen.map(() => Number.POSITIVE_INFINITY);
const bestWall = chosen.map(() => Number.POSITIVE_INFINITY);
for (let round = 0; round < 5; round++) {
  for (const [index, [, size, page]] of chosen.entries()) {
    const started = process.cpuUsage();
    const wall = performance.now();
    for (let after = 0; after < count; after += size) page(after, size);
    const used = process.cpuUsage(started);
    best[index] = Math.min(best[index]!, (used.user + used.system) / count);
    bestWall[index] = Math.min(bestWall[index]!, ((performance.now() - wall) * 1000) / count);
  }
}
console.log(
  `${count.toLocaleString("en-US")} events of ~${(rows.get(1, 0, max, 1) as { json: string }).json.length} bytes; CPU per event, best of 5 interleaved rounds:`,
);
for (const [index, [name]] of chosen.entries()) console.log(`  ${name.padEnd(64)} ${best[index]!.toFixed(2)} µs CPU, ${bestWall[index]!.toFixed(2)} µs wall`);
db.close();
memoryDb.close();
mmapDb.close();
cacheDb.close();
rmSync(dir, { recursive: true, force: true });

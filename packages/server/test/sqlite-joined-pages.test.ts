import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinedInOffsetOrder, joinedPieceSize, prepareJoinedStatements } from "../src/store/sqlite/joined-pages.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";

let dir = "";
let db: DatabaseSync;
beforeAll(async () => {
  // The server's own schema in a real file, then rows written directly: stream 1 dense (1..2500),
  // stream 2 with a gap (offset 5 missing), which a real stream never has.
  dir = mkdtempSync(join(tmpdir(), "tributary-joined-"));
  await createSqliteStore({ dataDir: dir }).close();
  db = new DatabaseSync(join(dir, "tributary.db"));
  const insert = db.prepare("INSERT INTO events (stream_id, offset, type, json) VALUES (?, ?, 'n', ?)");
  for (let offset = 1; offset <= 2500; offset++) insert.run(1, offset, `{"offset":${offset}}`);
  for (const offset of [1, 2, 3, 4, 6, 7]) insert.run(2, offset, `{"offset":${offset}}`);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("joined pieces without the aggregate's sort", () => {
  it("accepts a receipt only when it is 1,2,…,count", () => {
    expect(joinedInOffsetOrder("1,2,3", 3)).toBe(true);
    expect(joinedInOffsetOrder("", 0)).toBe(true);
    expect(joinedInOffsetOrder(Array.from({ length: joinedPieceSize }, (_, i) => i + 1).join(","), joinedPieceSize)).toBe(true);
    expect(joinedInOffsetOrder("1,3,2", 3)).toBe(false);
    expect(joinedInOffsetOrder("2,3,4", 3)).toBe(false);
    expect(joinedInOffsetOrder("1,2,4", 3)).toBe(false);
    expect(joinedInOffsetOrder("1,2", 3)).toBe(false);
    expect(joinedInOffsetOrder("1,2,3,4", 3)).toBe(false);
    expect(joinedInOffsetOrder(null, 3)).toBe(false);
  });

  it("joins the same bytes as the ordered statement, in every format, with an in-order receipt", () => {
    const joined = prepareJoinedStatements(db);
    for (const format of ["sse", "ndjson", "json"] as const) {
      for (const [after, before, limit] of [
        [0, Number.MAX_SAFE_INTEGER, 1000],
        [999, Number.MAX_SAFE_INTEGER, 1000],
        [2000, Number.MAX_SAFE_INTEGER, 1000],
        [10, 20, 1000],
        [10, Number.MAX_SAFE_INTEGER, 7],
      ] as const) {
        const checked = joined[format].checked.get(1, after, before, limit) as { bytes: Uint8Array; count: number; last: number; receipt: string };
        const ordered = joined[format].ordered.get(1, after, before, limit) as { bytes: Uint8Array; count: number; last: number };
        expect(joinedInOffsetOrder(checked.receipt, checked.count)).toBe(true);
        expect({ count: checked.count, last: checked.last }).toEqual({ count: ordered.count, last: ordered.last });
        expect(Buffer.from(checked.bytes).equals(Buffer.from(ordered.bytes))).toBe(true);
      }
    }
    const json = joined.json.checked.get(1, 2000, Number.MAX_SAFE_INTEGER, 1000) as { bytes: Uint8Array };
    expect((JSON.parse(`[${Buffer.from(json.bytes).toString()}]`) as { offset: number }[]).map((event) => event.offset)).toEqual(
      Array.from({ length: 500 }, (_, i) => 2001 + i),
    );
  });

  it("refuses the receipt of a range with a gap, so the ordered statement is used", () => {
    const joined = prepareJoinedStatements(db);
    const checked = joined.json.checked.get(2, 0, Number.MAX_SAFE_INTEGER, 1000) as { count: number; receipt: string };
    expect(checked).toMatchObject({ count: 6, receipt: "1,2,3,4,6,7" });
    expect(joinedInOffsetOrder(checked.receipt, checked.count)).toBe(false);
  });
});

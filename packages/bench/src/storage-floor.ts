import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { summarize, type LatencySummary } from "./stats.ts";

/**
 * The storage floor: raw SQLite inserts in this process (node:sqlite, WAL, `synchronous=NORMAL` as
 * Tributary's `fsync normal`), into a table shaped like Tributary's events table, with no HTTP and no
 * server code. What a durable append cannot cost less than on this disk.
 *
 * @example
 * const floor = openStorageFloor();
 * floor.sequential(1000).p50; // ms per one-row transaction
 * floor.close();
 */
export function openStorageFloor() {
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-sqlite-"));
  const db = new DatabaseSync(join(dir, "floor.db"));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(
    "CREATE TABLE events (stream_id INTEGER NOT NULL, offset INTEGER NOT NULL, type TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (stream_id, offset)) WITHOUT ROWID",
  );
  const insert = db.prepare("INSERT INTO events (stream_id, offset, type, json) VALUES (?, ?, 'bench/appended', ?)");
  let stream = 0;
  const transaction = (offset: number, rows: number, streamId: number) => {
    db.exec("BEGIN");
    for (let k = 0; k < rows; k++) insert.run(streamId, offset + k, `{"offset":${offset + k},"type":"bench/appended","payload":{"i":${offset + k}}}`);
    db.exec("COMMIT");
  };
  return {
    /** `count` transactions of one row each, one after the other: the latency of each. */
    sequential(count: number): LatencySummary {
      const id = ++stream;
      const samples = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        transaction(i + 1, 1, id);
        samples[i] = performance.now() - started;
      }
      return summarize(samples);
    },
    /** Rows per second for `durationMs`, `rows` per transaction. */
    rate(durationMs: number, rows: number): number {
      const id = ++stream;
      const started = performance.now();
      let offset = 1;
      while (performance.now() - started < durationMs) {
        transaction(offset, rows, id);
        offset += rows;
      }
      return (offset - 1) / ((performance.now() - started) / 1000);
    },
    close(): void {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

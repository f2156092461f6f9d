import type { DatabaseSync } from "node:sqlite";
import type { DurableStreamMeta, DurableStreamMetaStore } from "../durable-stream-meta-store.ts";

export const sqliteDurableStreamSchema = `
CREATE TABLE IF NOT EXISTS durable_streams (
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  meta TEXT NOT NULL,
  PRIMARY KEY (project, path)
) WITHOUT ROWID;
`;

/** The Durable Streams metadata port on the SQLite store's connection (one record per stream, as JSON). */
export function createSqliteDurableStreamMeta(db: DatabaseSync): DurableStreamMetaStore {
  db.exec(sqliteDurableStreamSchema);
  const select = db.prepare("SELECT meta FROM durable_streams WHERE project = ? AND path = ?");
  const upsert = db.prepare(
    "INSERT INTO durable_streams (project, path, meta) VALUES (?, ?, ?) ON CONFLICT (project, path) DO UPDATE SET meta = excluded.meta",
  );
  const remove = db.prepare("DELETE FROM durable_streams WHERE project = ? AND path = ?");
  return {
    async getDurableStream(project, path) {
      const row = select.get(project, path) as { meta: string } | undefined;
      return row ? (JSON.parse(row.meta) as DurableStreamMeta) : undefined;
    },
    async putDurableStream(project, path, meta) {
      upsert.run(project, path, JSON.stringify(meta));
    },
    async deleteDurableStream(project, path) {
      remove.run(project, path);
    },
  };
}

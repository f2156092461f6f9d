import type pg from "pg";
import type { DurableStreamMeta, DurableStreamMetaStore } from "../durable-stream-meta-store.ts";

export const postgresDurableStreamSchema = `
CREATE TABLE IF NOT EXISTS tributary_durable_streams (
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  meta TEXT NOT NULL,
  PRIMARY KEY (project, path)
);
`;

/**
 * The Durable Streams metadata port on the PostgreSQL pool (one record per stream, as JSON text). `query`
 * is the store's, so a connection fault answers 503 `storage_unavailable` here as everywhere else.
 */
export function createPostgresDurableStreamMeta(query: (text: string, values: unknown[]) => Promise<pg.QueryResult>): DurableStreamMetaStore {
  return {
    async getDurableStream(project, path) {
      const { rows } = await query("SELECT meta FROM tributary_durable_streams WHERE project = $1 AND path = $2", [project, path]);
      return rows[0] ? (JSON.parse((rows[0] as { meta: string }).meta) as DurableStreamMeta) : undefined;
    },
    async putDurableStream(project, path, meta) {
      await query(
        `INSERT INTO tributary_durable_streams (project, path, meta) VALUES ($1, $2, $3)
         ON CONFLICT (project, path) DO UPDATE SET meta = excluded.meta`,
        [project, path, JSON.stringify(meta)],
      );
    },
    async deleteDurableStream(project, path) {
      await query("DELETE FROM tributary_durable_streams WHERE project = $1 AND path = $2", [project, path]);
    },
  };
}

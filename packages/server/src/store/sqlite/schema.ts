/** The SQLite schema. `events.json` holds the whole stored envelope so reads never re-serialise. */
export const sqliteSchema = `
CREATE TABLE IF NOT EXISTS streams (
  id INTEGER PRIMARY KEY,
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  last_offset INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  UNIQUE (project, path)
);
CREATE TABLE IF NOT EXISTS events (
  stream_id INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  type TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (stream_id, offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  stream_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (stream_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumer_cursors (
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  consumer TEXT NOT NULL,
  offset INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project, path, consumer)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS marked_streams (
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  namespace TEXT NOT NULL,
  last_offset INTEGER NOT NULL,
  PRIMARY KEY (namespace, project, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  name TEXT NOT NULL,
  offset INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (project, path, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS secrets (
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project, name)
) WITHOUT ROWID;
`;

/** The PostgreSQL schema: the same shape as SQLite's. `json` is text so stored bytes are served as they are. */
export const postgresSchema = `
CREATE TABLE IF NOT EXISTS tributary_streams (
  id BIGSERIAL PRIMARY KEY,
  project TEXT NOT NULL,
  path TEXT COLLATE "C" NOT NULL,
  last_offset BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  UNIQUE (project, path)
);
CREATE TABLE IF NOT EXISTS tributary_events (
  stream_id BIGINT NOT NULL,
  "offset" BIGINT NOT NULL,
  type TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (stream_id, "offset")
);
CREATE TABLE IF NOT EXISTS tributary_idempotency_keys (
  stream_id BIGINT NOT NULL,
  key TEXT NOT NULL,
  "offset" BIGINT NOT NULL,
  PRIMARY KEY (stream_id, key)
);
CREATE TABLE IF NOT EXISTS tributary_consumer_cursors (
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  consumer TEXT NOT NULL,
  "offset" BIGINT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project, path, consumer)
);
CREATE TABLE IF NOT EXISTS tributary_marked_streams (
  namespace TEXT NOT NULL,
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  last_offset BIGINT NOT NULL,
  PRIMARY KEY (namespace, project, path)
);
CREATE TABLE IF NOT EXISTS tributary_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS tributary_snapshots (
  project TEXT NOT NULL,
  path TEXT NOT NULL,
  name TEXT NOT NULL,
  "offset" BIGINT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (project, path, name)
);
CREATE TABLE IF NOT EXISTS tributary_secrets (
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project, name)
);
`;

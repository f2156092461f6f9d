/** The `origin` of rows a fork copied from its source: history, which no commit tailer announces. */
export const historyOrigin = -1;

/**
 * The PostgreSQL schema: the same shape as SQLite's. `json` is text so stored bytes are served as they are.
 * `xid` (the writing transaction) and `origin` (the writing server) let each server's commit tailer follow
 * every commit by position (commit-tailer.ts); the `ALTER`s bring a database made by an older version along.
 */
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

ALTER TABLE tributary_events ADD COLUMN IF NOT EXISTS xid xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE tributary_events ADD COLUMN IF NOT EXISTS origin INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS tributary_events_by_commit ON tributary_events (xid, stream_id, "offset");
CREATE SEQUENCE IF NOT EXISTS tributary_origins;
CREATE TABLE IF NOT EXISTS tributary_servers (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  seen_at TIMESTAMPTZ NOT NULL
);
`;

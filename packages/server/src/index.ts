export { startServer, defaultLimits, type ServerOptions, type RunningServer } from "./server.ts";
export { createApp } from "./app.ts";
export { createSqliteStore, type SqliteStoreOptions } from "./store/sqlite/sqlite-store.ts";
export { createPostgresStore, type PostgresStoreOptions } from "./store/postgres/postgres-store.ts";
export type * from "./store/stream-store.ts";
export { createLogger, type Logger, type LogLevel } from "./logger.ts";
export { defineBuiltin, type Builtin, type BuiltinEffects, type BuiltinPorts } from "./builtins/builtin-processor.ts";
export type { Appender } from "./append/appender.ts";
export type { Gate } from "./append/gate.ts";

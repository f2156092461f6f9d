/**
 * The server under test, in its own process so the load generator never shares its event loop.
 * Started by `startServerProcess`; speaks the protocol of `announceServer`. On SQLite in the bench's data
 * directory, or on PostgreSQL when `BENCH_POSTGRES_URL` names a database; `BENCH_CLUSTER_SECRET` routes
 * contended streams' writes between the servers on it (docs/scaling.md).
 */
import { createPostgresStore, startServer } from "@tributary/server";
import { announceServer } from "./child-ipc.ts";

const dataDir = process.env.BENCH_DATA_DIR;
const fsync = process.env.BENCH_FSYNC === "full" ? "full" : "normal";
const postgresUrl = process.env.BENCH_POSTGRES_URL;
if (!dataDir) throw new Error("server-child needs BENCH_DATA_DIR");

const clusterSecret = process.env.BENCH_CLUSTER_SECRET;
const store = postgresUrl ? await createPostgresStore({ connectionString: postgresUrl }) : undefined;
const server = await startServer({
  port: 0,
  dataDir,
  fsync,
  logLevel: "warn",
  ...(store ? { store } : {}),
  ...(clusterSecret ? { cluster: { secret: clusterSecret } } : {}),
});
announceServer(server.url, async () => {
  if (process.env.BENCH_ROUTER_STATS) console.error(`routing ${JSON.stringify(server.routing?.())}`);
  await server.close();
});

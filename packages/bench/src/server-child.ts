/**
 * The server under test, in its own process so the load generator never shares its event loop.
 * Started by `startServerProcess`; speaks the protocol of `announceServer`.
 */
import { startServer } from "@tributary/server";
import { announceServer } from "./child-ipc.ts";

const dataDir = process.env.BENCH_DATA_DIR;
const fsync = process.env.BENCH_FSYNC === "full" ? "full" : "normal";
if (!dataDir) throw new Error("server-child needs BENCH_DATA_DIR");

const server = await startServer({ port: 0, dataDir, fsync, logLevel: "warn" });
announceServer(server.url, () => server.close());

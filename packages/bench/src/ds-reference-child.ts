/**
 * The Durable Streams reference server (npm `@durable-streams/server`) in its own process, speaking the
 * bench's child protocol: file-backed on the bench's data directory, or in memory when
 * `BENCH_DS_MEMORY=1`, so every workload can put it beside Tributary under the same client code.
 */
import { DurableStreamTestServer } from "@durable-streams/server";
import { announceServer } from "./child-ipc.ts";

const dataDir = process.env.BENCH_DATA_DIR;
if (!dataDir) throw new Error("ds-reference-child needs BENCH_DATA_DIR");
const inMemory = process.env.BENCH_DS_MEMORY === "1";

// Its log lines go to stdout, where the bench reads the announcement: drop its info lines (a notice per
// slow append, which a loaded machine makes many of) and send the rest to stderr.
console.info = () => undefined;
console.log = console.error;

const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", ...(inMemory ? {} : { dataDir }) });
await server.start();
announceServer(server.url, () => server.stop());

/**
 * Probe (not part of `npm run bench`): the server's append path below HTTP, another checkout's against
 * this one's, in one process. Starts a real server (SQLite, the built-ins active) from each checkout's
 * source and appends through its appender (`parts.appender.appendAsClient`, the route's call), one event at
 * a time (each append awaited: the sequential client), 32 in flight on 32 streams (`c32`) and 32 in flight
 * on one stream (`one32`, the bench's 32 clients), the two servers alternating
 * round by round. Prints the process's CPU time per append: what the gate, the store, the commit
 * listeners (built-in states, side effects, the live hub) cost together, without the HTTP layer's noise.
 *
 * With PROBE_POSTGRES=1 each server runs on its own checkout's PostgreSQL store, on a fresh database of a
 * private cluster (fsync off): the process's CPU is then the server's side of the PostgreSQL path (its
 * backend's is not counted). PROBE_MODES picks modes (default seq,c32,one32).
 *
 * Usage: node --conditions=tributary-source packages/bench/src/probes/append-path-ab.ts <other checkout> [rounds=5] [count=5000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";

const [other, rounds = "5", count = "5000"] = process.argv.slice(2);
if (!other) throw new Error("usage: append-path-ab.ts <other checkout> [rounds] [count]");
type Started = { parts: { appender: { appendAsClient(project: string, path: string, events: unknown[]): Promise<unknown> } }; close(): Promise<void> };
type Start = (options: object) => Promise<Started>;
type Server = { startServer: Start; createPostgresStore: (options: { connectionString: string }) => Promise<object> };
const entry = (checkout: string) => pathToFileURL(resolve(checkout, "packages/server/src/index.ts")).href;
const sides: [string, Server][] = [
  ["before", (await import(entry(other))) as Server],
  ["after", (await import(new URL("../../../server/src/index.ts", import.meta.url).href)) as Server],
];
const postgres = process.env.PROBE_POSTGRES ? await startPrivatePostgres() : undefined;
const modes = (process.env.PROBE_MODES ?? "seq,c32,one32").split(",");
const n = Number(count);
const results = new Map<string, number[]>();
let streams = 0;
const event = (i: number) => ({ type: "bench/appended", payload: { i } });
// The circuit breaker's default limit would pause a stream appended this fast.
const configure = { type: "circuit-breaker/configured", payload: { maxEvents: 100_000_000, windowSeconds: 1 } };

for (let round = 0; round < Number(rounds); round++) {
  for (const [name, { startServer, createPostgresStore }] of round % 2 ? [...sides].reverse() : sides) {
    const dataDir = mkdtempSync(join(tmpdir(), "tributary-probe-"));
    const store = postgres ? await createPostgresStore({ connectionString: await postgres.createDatabase() }) : undefined;
    const server = await startServer({ port: 0, dataDir, logLevel: "warn", ...(store ? { store } : {}) });
    const { appender } = server.parts;
    try {
      // [name, appends in flight, streams they go to]
      for (const [mode, inFlight, streamCount] of [
        ["seq", 1, 1],
        ["c32", 32, 32],
        ["one32", 32, 1],
      ] as const) {
        if (!modes.includes(mode)) continue;
        const paths = Array.from({ length: streamCount }, () => `/probe/path-${++streams}`);
        await Promise.all(paths.map((path) => appender.appendAsClient("default", path, [configure])));
        const run = async (total: number) => {
          await Promise.all(
            Array.from({ length: inFlight }, async (_, client) => {
              const path = paths[client % streamCount]!;
              for (let i = 0; i < total / inFlight; i++) await appender.appendAsClient("default", path, [event(i)]);
            }),
          );
        };
        await run(1000);
        const before = process.cpuUsage();
        await run(n);
        const used = process.cpuUsage(before);
        const key = `${mode} ${name}`;
        results.set(key, [...(results.get(key) ?? []), (used.user + used.system) / n]);
      }
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}
await postgres?.stop();
for (const [key, values] of results) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${key}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} µs CPU per append (${values.map((v) => v.toFixed(1)).join(", ")})`);
}

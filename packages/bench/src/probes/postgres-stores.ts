/**
 * Where a PostgreSQL cluster's time goes, without HTTP: N PostgreSQL stores (as N servers would hold) in this
 * process on one database of a private cluster with fsync on, 32 closed-loop clients (`--clients`) split
 * over them, on one stream or one each (`--streams`); the first store listens to every stream (the lease holder), the others to
 * their clients' streams. Prints appends/s, this process's CPU and PostgreSQL's (its backends and
 * background processes, from /proc) per append, appends per WAL flush (`pg_stat_wal`), and the store's
 * queries per append by statement (counted by wrapping node-pg's `query`). Figures behind docs/scaling.md.
 * `--clients 12` gives batches of about the size one server's batches have over HTTP (11-13 appends).
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/postgres-stores.ts [stores=3] [--streams] [--seconds 4] [--clients 32]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { createPostgresStore } from "../../../server/src/store/postgres/postgres-store.ts";
import { startPrivatePostgres } from "../../../server/test/support/postgres.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { streams: { type: "boolean" }, seconds: { type: "string", default: "4" }, clients: { type: "string", default: "32" } },
});
const storeCount = Number(positionals[0] ?? 3);
const clients = Number(values.clients);
const pathOf = (client: number) => (values.streams ? `/s/${client}` : "/s");

const counts = new Map<string, number>();
let counting = false;
// Every query reaches a connection's Client.query (Pool.query hands it to one), so each is counted once.
const clientPrototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const original = clientPrototype.query;
clientPrototype.query = function (this: unknown, ...args: unknown[]) {
  if (counting) {
    const query = args[0] as string | { text?: string };
    const text = (typeof query === "string" ? query : (query.text ?? "?")).replace(/\s+/g, " ").slice(0, 70);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return original.apply(this, args);
};

const postgres = await startPrivatePostgres({ fsync: true });
try {
  const url = await postgres.createDatabase();
  const database = new URL(url).pathname.slice(1);
  const stores: Awaited<ReturnType<typeof createPostgresStore>>[] = [];
  for (let i = 0; i < storeCount; i++) stores.push(await createPostgresStore({ connectionString: url }));
  // As servers listen: the first store is the lease holder (its built-ins hear every stream); each other one
  // holds the built-in state of the streams its clients append to, and wants only those.
  for (const [index, store] of stores.entries()) {
    const own = new Set(Array.from({ length: clients }, (_, client) => client).flatMap((client) => (client % storeCount === index ? [pathOf(client)] : [])));
    store.onCommit(() => undefined, index === 0 ? undefined : (_project, path) => own.has(path));
  }
  // Twice: the first append of a stream creates it (its own transaction); the second goes through the batch
  // path, so every connection the measured appends use is open (and counted below) before the measurement.
  for (let round = 0; round < 2; round++) {
    for (let client = 0; client < clients; client++) {
      await stores[client % storeCount]!.append({ project: "p", path: pathOf(client), events: [{ type: "t", payload: {} }] });
    }
  }
  /** CPU ticks (1/100 s) of every PostgreSQL process that pg_stat_activity lists. */
  const postgresTicks = async () => {
    const ticks = new Map<number, number>();
    for (const { pid } of await postgres.query<{ pid: number }>("SELECT pid FROM pg_stat_activity")) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        ticks.set(pid, Number(fields[11]) + Number(fields[12]));
      } catch {
        // gone meanwhile
      }
    }
    return ticks;
  };
  await postgres.query("SELECT pg_stat_reset_shared('wal')");
  const before = await postgresTicks();
  const cpuBefore = process.cpuUsage();
  counting = true;
  const started = performance.now();
  const stopAt = started + Number(values.seconds) * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      const store = stores[client % storeCount]!;
      while (performance.now() < stopAt) {
        await store.append({ project: "p", path: pathOf(client), events: [{ type: "t", payload: { client } }] });
        done += 1;
      }
    }),
  );
  const elapsed = performance.now() - started;
  counting = false;
  const cpu = process.cpuUsage(cpuBefore);
  const after = await postgresTicks();
  let ticks = 0;
  for (const [pid, value] of after) if (before.has(pid)) ticks += value - before.get(pid)!;
  const wal = (await postgres.query<{ wal_sync: string }>("SELECT wal_sync FROM pg_stat_wal", database))[0]!;
  console.log(
    `${storeCount} store(s), ${values.streams ? `${clients} streams` : "one stream"}: ${Math.round(done / (elapsed / 1000))} appends/s; ` +
      `this process ${((cpu.user + cpu.system) / 1000 / done).toFixed(3)} ms CPU per append, PostgreSQL ${((ticks * 10) / done).toFixed(3)} ms; ` +
      `${(done / Number(wal.wal_sync)).toFixed(1)} appends per WAL flush`,
  );
  console.log("queries per append:");
  for (const [text, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${(count / done).toFixed(3)}  ${text}`);
  for (const store of stores) await store.close();
} finally {
  await postgres.stop();
}

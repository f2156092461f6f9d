/**
 * Probe (not part of `npm run bench`): the PostgreSQL store's catch-up reads without HTTP. Fills one
 * stream through `createPostgresStore` on a private cluster, then reads it whole with `readEncoded` (JSON
 * and SSE pages of several sizes) and prints CPU per event of this process (node-postgres' share) and
 * wall time per event (PostgreSQL's share is most of the difference), then the plans of a page's query.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/catch-up-postgres.ts [events=100000]
 */
import pg from "pg";
import { createPostgresStore } from "@tributary/server";
import { startPrivatePostgres } from "../../../server/src/store/postgres/private-postgres.ts";

const count = Number(process.argv[2] ?? 100_000);
const postgres = await startPrivatePostgres();
try {
  const url = await postgres.createDatabase();
  const store = await createPostgresStore({ connectionString: url });
  for (let batch = 0; batch < count / 1000; batch++) {
    const events = Array.from({ length: 1000 }, (_, k) => ({ type: "bench/filled", payload: { i: batch * 1000 + k, note: "x".repeat(64) } }));
    await store.append({ project: "p", path: "/bench/catch-up", events });
  }
  const variants = [
    ["json", 10_000],
    ["json", 1000],
    ["sse", 1000],
  ] as const;
  for (let round = 0; round < 3; round++) {
    for (const [format, size] of variants) {
      const cpu = process.cpuUsage();
      const wall = performance.now();
      for (let after = 0; after < count; after += size) await store.readEncoded("p", "/bench/catch-up", { afterOffset: after, limit: size }, format);
      const used = process.cpuUsage(cpu);
      console.log(
        `${format} pages of ${size}: ${((used.user + used.system) / count).toFixed(2)} µs CPU here, ${(((performance.now() - wall) * 1000) / count).toFixed(2)} µs wall per event`,
      );
    }
  }
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // The page's query as readEncoded sends it (bounded by the dense offsets: afterOffset + limit), for
  // pages of 1,000 and 10,000.
  for (const limit of [1000, 10_000]) {
    const plan = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT string_agg(json, ',' ORDER BY "offset") AS text, count(*) AS count, max("offset") AS last FROM (
         SELECT e."offset", e.json FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id
         WHERE s.project = $1 AND s.path = $2 AND e."offset" > $3 AND e."offset" < $4 ORDER BY e."offset" LIMIT $5) page`,
      ["p", "/bench/catch-up", count / 2, count / 2 + limit + 1, limit],
    );
    console.log(`plan of a page of ${limit}:`);
    for (const row of plan.rows as { "QUERY PLAN": string }[]) console.log(`  ${row["QUERY PLAN"]}`);
  }
  await client.end();
} finally {
  await postgres.stop();
}

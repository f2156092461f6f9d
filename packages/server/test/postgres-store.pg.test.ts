import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/store/postgres/postgres-store.ts";
import { describeStreamStoreContract } from "./store-contract.ts";
import type { CommittedStreamEvents } from "../src/store/stream-store.ts";
import { waitFor } from "./support/http.ts";
import { startPrivatePostgres, type PrivatePostgres } from "./support/postgres.ts";

let postgres: PrivatePostgres;
let database = "";
beforeAll(async () => {
  postgres = await startPrivatePostgres();
});
afterAll(async () => {
  await postgres.stop();
});

describeStreamStoreContract("PostgreSQL", {
  async create() {
    database = await postgres.createDatabase();
    return createPostgresStore({ connectionString: database });
  },
  async reopen(store) {
    await store.close();
    return createPostgresStore({ connectionString: database });
  },
});

describe("PostgreSQL leases", () => {
  it("gives a lease to one holder at a time and to another once it expires", async () => {
    const store = await createPostgresStore({ connectionString: await postgres.createDatabase() });
    try {
      expect(await store.acquireLease("builtins", "a", 300)).toBe(true);
      expect(await store.acquireLease("builtins", "b", 300)).toBe(false);
      const deadline = Date.now() + 10_000;
      while (!(await store.acquireLease("builtins", "b", 300)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.acquireLease("builtins", "a", 300)).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe("PostgreSQL group commit and fences", () => {
  it("batches concurrent plain appends to many streams and stores exactly the bytes JSON.stringify gives", async () => {
    const url = await postgres.createDatabase();
    const store = await createPostgresStore({ connectionString: url });
    try {
      const paths = ["/g/a", "/g/b", "/g/c"] as const;
      for (const path of paths) await store.append({ project: "p", path, events: [{ type: "start", payload: {} }] });
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          store.append({
            project: "p",
            path: paths[i % 3]!,
            events: [
              { type: "n", payload: { i, text: 'quote " backslash \\ ünïcödé \u2028 \u0001' }, metadata: { by: "test" } },
              { type: 'm\n"type" with a line break', payload: { lines: "a\nb" } },
            ],
          }),
        ),
      );
      for (const path of paths) {
        const records = await store.read("p", path, { afterOffset: 0, limit: 1000 });
        expect(records.map((record) => record.offset)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
        for (const record of records) expect(record.json).toBe(JSON.stringify(JSON.parse(record.json)));
      }
      const returned = results.flatMap((result) => result.events);
      const stored = new Map<string, string>();
      for (const path of paths)
        for (const record of await store.read("p", path, { afterOffset: 0, limit: 1000 })) stored.set(`${path}:${record.offset}`, record.json);
      for (const { event, json } of returned) {
        expect(json).toBe(JSON.stringify(event));
        expect(stored.get(`${event.streamPath}:${event.offset}`)).toBe(json);
      }
      // The 60 appends, made in one turn, went as one batch statement: one transaction (a batch that fails
      // is retried one request at a time, which would store the same events in 60).
      const transactions = await postgres.query<{ count: string }>(
        `SELECT count(DISTINCT e.xid)::text AS count FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id WHERE s.path LIKE '/g/%' AND e."offset" > 1`,
        new URL(url).pathname.slice(1),
      );
      expect(transactions[0]!.count).toBe("1");
    } finally {
      await store.close();
    }
  });

  it("batches concurrent appends to one stream from two servers, each server's turn in one transaction, offsets dense and as answered", async () => {
    const url = await postgres.createDatabase();
    const [a, b] = [await createPostgresStore({ connectionString: url }), await createPostgresStore({ connectionString: url })];
    try {
      await a.append({ project: "p", path: "/one", events: [{ type: "start", payload: {} }] });
      await b.append({ project: "p", path: "/one", events: [{ type: "seen", payload: {} }] });
      const appends = (store: typeof a, name: string) =>
        Array.from({ length: 30 }, (_, i) =>
          store.append({
            project: "p",
            path: "/one",
            events: Array.from({ length: 1 + (i % 3) }, (_, k) => ({ type: `${name}-${i}-${k}`, payload: { text: 'quote " \\ \u2028 ü' } })),
          }),
        );
      // Both servers' turns at once: their batch statements contend for the stream's row.
      const results = await Promise.all([...appends(a, "a"), ...appends(b, "b")]);
      const records = await a.read("p", "/one", { afterOffset: 0, limit: 1000 });
      expect(records.map((record) => record.offset)).toEqual(Array.from({ length: 2 + 2 * 60 }, (_, i) => i + 1));
      expect((await a.info("p", "/one"))!.lastOffset).toBe(122);
      const stored = new Map(records.map((record) => [record.offset, record.json]));
      for (const [index, result] of results.entries()) {
        const name = index < 30 ? "a" : "b";
        const i = index % 30;
        expect(result.events.map(({ event }) => event.type)).toEqual(Array.from({ length: 1 + (i % 3) }, (_, k) => `${name}-${i}-${k}`));
        // A request's events are consecutive, and each answer is the stored bytes.
        const offsets = result.events.map(({ event }) => event.offset);
        expect(offsets).toEqual(offsets.map((_, k) => offsets[0]! + k));
        for (const { event, json } of result.events) {
          expect(json).toBe(JSON.stringify(event));
          expect(stored.get(event.offset)).toBe(json);
        }
      }
      // Each server's 30 appends of one turn went as one batch statement (a failing batch would have been
      // retried one request at a time, in 30 transactions).
      const transactions = await postgres.query<{ count: string }>(
        `SELECT count(DISTINCT e.xid)::text AS count FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id WHERE s.path = '/one' AND e."offset" > 2`,
        new URL(url).pathname.slice(1),
      );
      expect(transactions[0]!.count).toBe("2");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("waits, after a batch, for the clients it answered to come back, so the next batch holds them all", async () => {
    const url = await postgres.createDatabase();
    const name = new URL(url).pathname.slice(1);
    /** Batches (one transaction each) that 16 closed-loop clients' 25 appends each took, with the store's fill wait at `fillWaitMs`. */
    const batchesWith = async (fillWaitMs: number | undefined, path: string) => {
      const store = await createPostgresStore({ connectionString: url, ...(fillWaitMs === undefined ? {} : { batchFillWaitMs: fillWaitMs }) });
      try {
        await store.append({ project: "p", path, events: [{ type: "start", payload: {} }] });
        await Promise.all(
          Array.from({ length: 16 }, async (_, client) => {
            for (let i = 0; i < 25; i++) {
              await store.append({ project: "p", path, events: [{ type: "n", payload: { client, i } }] });
              // As a client over HTTP: the answer and the next request take a few turns of the event loop.
              for (let turn = 0; turn < 1 + (client % 8); turn++) await new Promise((resolve) => setImmediate(resolve));
            }
          }),
        );
        const records = await store.read("p", path, { afterOffset: 0, limit: 1000 });
        expect(records.map((record) => record.offset)).toEqual(Array.from({ length: 401 }, (_, i) => i + 1));
        const rows = await postgres.query<{ count: string }>(
          `SELECT count(DISTINCT e.xid)::text AS count FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id WHERE s.path = '${path}' AND e."offset" > 1`,
          name,
        );
        return Number(rows[0]!.count);
      } finally {
        await store.close();
      }
    };
    const filled = await batchesWith(undefined, "/filled");
    const unfilled = await batchesWith(0, "/unfilled");
    // 400 appends: with the wait nearly every batch holds all 16 (25 batches at best); cut as soon as the
    // last one settled, a batch holds the few clients back by then.
    expect(filled).toBeLessThan(60);
    expect(unfilled).toBeGreaterThan(filled * 1.6);
  });

  it("appends to a stream another server deleted and re-created, on the new stream", async () => {
    const database = await postgres.createDatabase();
    const [a, b] = [await createPostgresStore({ connectionString: database }), await createPostgresStore({ connectionString: database })];
    try {
      await a.append({ project: "p", path: "/d/x", events: [{ type: "one", payload: {} }] });
      await a.append({ project: "p", path: "/d/x", events: [{ type: "two", payload: {} }] });
      await b.delete("p", "/d/x", { recursive: false });
      const again = await a.append({ project: "p", path: "/d/x", events: [{ type: "three", payload: {} }] });
      expect(again.events[0]!.event.offset).toBe(1);
      expect(again.createdPaths).toEqual(["/d/x"]);
      expect((await b.read("p", "/d/x", { afterOffset: 0, limit: 10 })).map((record) => JSON.parse(record.json).type)).toEqual(["three"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("announces a fork made on another server without its copied prefix, as on the server that made it", async () => {
    const database = await postgres.createDatabase();
    const [a, b] = [await createPostgresStore({ connectionString: database }), await createPostgresStore({ connectionString: database })];
    const heard: CommittedStreamEvents[] = [];
    b.onCommit((batch) => heard.push(batch));
    const offsetsHeard = (path: string) => heard.filter((batch) => batch.path === path).flatMap((batch) => batch.events.map((item) => item.event.offset));
    try {
      for (const n of [1, 2, 3]) await a.append({ project: "p", path: "/src", events: [{ type: "n", payload: { n } }] });
      await waitFor(() => offsetsHeard("/src").length === 3, "b to hear the source's three events");
      await a.fork({ project: "p", from: "/src", atOffset: 2, to: "/dst/copy", events: [{ type: "stream/forked", payload: { from: "/src", atOffset: 2 } }] });
      // A later commit through a: once b hears it, b's tailer has read past the fork's transaction.
      await a.append({ project: "p", path: "/src", events: [{ type: "n", payload: { n: 4 } }] });
      await waitFor(() => offsetsHeard("/src").includes(4), "b to hear the source's fourth event");
      expect(offsetsHeard("/dst/copy")).toEqual([3]);
      expect((await b.read("p", "/dst/copy", { afterOffset: 0, limit: 10 })).map((record) => JSON.parse(record.json).type)).toEqual([
        "n",
        "n",
        "stream/forked",
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("hands another server's commits only to listeners that want the stream, and all of a stream's once it is wanted", async () => {
    const database = await postgres.createDatabase();
    const [a, b] = [await createPostgresStore({ connectionString: database }), await createPostgresStore({ connectionString: database })];
    const wanted = new Set(["/w/y"]);
    const heard: CommittedStreamEvents[] = [];
    const all: CommittedStreamEvents[] = [];
    b.onCommit(
      (batch) => heard.push(batch),
      (_project, path) => wanted.has(path),
    );
    const offsetsHeard = (list: CommittedStreamEvents[], path: string) =>
      list.filter((batch) => batch.path === path).flatMap((batch) => batch.events.map((item) => item.event.offset));
    try {
      for (const n of [1, 2, 3]) {
        await a.append({ project: "p", path: "/w/x", events: [{ type: "n", payload: { n } }] });
        await a.append({ project: "p", path: "/w/y", events: [{ type: "n", payload: { n } }] });
      }
      await waitFor(() => offsetsHeard(heard, "/w/y").length === 3, "b to hear /w/y's three events");
      // /w/x's first three were committed before /w/y's third, so b's tailer has passed them: not announced.
      wanted.add("/w/x");
      for (const n of [4, 5]) await a.append({ project: "p", path: "/w/x", events: [{ type: "n", payload: { n } }] });
      await a.append({ project: "p", path: "/w/y", events: [{ type: "n", payload: { n: 4 } }] });
      await waitFor(() => offsetsHeard(heard, "/w/y").includes(4), "b to hear /w/y's fourth event");
      expect(offsetsHeard(heard, "/w/x")).toEqual([4, 5]);
      expect(offsetsHeard(heard, "/w/y")).toEqual([1, 2, 3, 4]);
      // A listener without `wants` hears every stream, from its next commit on.
      b.onCommit((batch) => all.push(batch));
      await a.append({ project: "p", path: "/w/z", events: [{ type: "n", payload: {} }] });
      await a.append({ project: "p", path: "/w/x", events: [{ type: "n", payload: { n: 6 } }] });
      await waitFor(() => offsetsHeard(all, "/w/x").includes(6), "b to hear /w/x's sixth event");
      expect(offsetsHeard(all, "/w/z")).toEqual([1]);
      expect(offsetsHeard(heard, "/w/z")).toEqual([]);
      expect(offsetsHeard(heard, "/w/x")).toEqual([4, 5, 6]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("announces every event of streams both servers append to at once, once and in order, on each server", async () => {
    const database = await postgres.createDatabase();
    const stores = [await createPostgresStore({ connectionString: database }), await createPostgresStore({ connectionString: database })];
    const heard = stores.map(() => new Map<string, number[]>());
    for (const [index, store] of stores.entries())
      store.onCommit((batch) => {
        const list = heard[index]!.get(batch.path) ?? [];
        list.push(...batch.events.map((item) => item.event.offset));
        heard[index]!.set(batch.path, list);
      });
    const paths = ["/race/one", "/race/two"];
    try {
      for (const path of paths) await stores[0]!.append({ project: "p", path, events: [{ type: "start", payload: {} }] });
      // A stream first heard of mid-life is announced from there on: let both hear the first events first.
      await waitFor(() => heard.every((byPath) => paths.every((path) => byPath.get(path)?.length === 1)), "both servers to hear both streams");
      // 2 servers × 16 clients × 15 appends, each client on one of the two streams: this server's own commits
      // often reach its tailer before their answers, between the other server's.
      await Promise.all(
        Array.from({ length: 32 }, async (_, client) => {
          for (let n = 0; n < 15; n++)
            await stores[client % 2]!.append({ project: "p", path: paths[(client >> 1) % 2]!, events: [{ type: "n", payload: { client, n } }] });
        }),
      );
      const expected = Array.from({ length: 1 + 16 * 15 }, (_, i) => i + 1);
      await waitFor(
        () => heard.every((byPath) => paths.every((path) => (byPath.get(path)?.at(-1) ?? 0) >= expected.length)),
        "both servers to hear both streams' last events",
      );
      for (const byPath of heard) for (const path of paths) expect(byPath.get(path)).toEqual(expected);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it.each([
    [1, "a batch sent after"],
    [2, "a batch sent behind another one still in flight follows"],
  ] as const)("keeps call order with %i batch(es) in flight when %s a batch that fails", async (batchesInFlight, _case) => {
    const database = await postgres.createDatabase();
    const store = await createPostgresStore({ connectionString: database, batchesInFlight });
    const holder = new pg.Client({ connectionString: database });
    await holder.connect();
    try {
      await store.append({ project: "p", path: "/order", events: [{ type: "start", payload: {} }] });
      // A 'boom' event waits for the test's advisory lock, then fails its statement: the first batch holds
      // in the database while the second is sent behind it, and then fails.
      await holder.query(`CREATE FUNCTION test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.type = 'boom' THEN PERFORM pg_advisory_xact_lock(42); RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$`);
      await holder.query("CREATE TRIGGER test_boom BEFORE INSERT ON tributary_events FOR EACH ROW EXECUTE FUNCTION test_boom()");
      await holder.query("SELECT pg_advisory_lock(42)");
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const append = (type: string) => store.append({ project: "p", path: "/order", events: [{ type, payload: {} }] });
      const first = [append("a1"), append("boom"), append("a2")];
      await turn();
      await turn();
      const second = [append("a3"), append("a4")];
      await turn();
      await turn();
      await holder.query("SELECT pg_advisory_unlock(42)");
      const settled = await Promise.allSettled([...first, ...second]);
      expect(settled.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled"]);
      const types = (await store.read("p", "/order", { afterOffset: 0, limit: 10 })).map((record) => JSON.parse(record.json).type);
      expect(types).toEqual(["start", "a1", "a2", "a3", "a4"]);
    } finally {
      await holder.end();
      await store.close();
    }
  });

  it("refuses a batchesInFlight other than 1 or 2, saying which it takes", async () => {
    const connectionString = await postgres.createDatabase();
    await expect(createPostgresStore({ connectionString, batchesInFlight: 3 as never })).rejects.toThrow("batchesInFlight must be 1 or 2; got 3");
  });

  it("refuses a batchFillWaitMs that is not 0 to 1000 ms, saying so", async () => {
    const connectionString = await postgres.createDatabase();
    for (const bad of [-1, Number.NaN, 5000]) {
      await expect(createPostgresStore({ connectionString, batchFillWaitMs: bad })).rejects.toThrow(
        `batchFillWaitMs must be a number of milliseconds from 0 to 1000; got ${String(bad)}`,
      );
    }
  });

  it("refuses appends and cursor writes fenced by a holder that no longer holds the lease", async () => {
    const store = await createPostgresStore({ connectionString: await postgres.createDatabase() });
    try {
      expect(await store.acquireLease("builtins", "old", 2000)).toBe(true);
      const fence = { lease: "builtins", holder: "old" };
      await store.append({ project: "p", path: "/f", events: [{ type: "ok", payload: {} }], fence });
      await store.setCursor("p", "/f", "c", 1, fence);
      const deadline = Date.now() + 10_000;
      while (!(await store.acquireLease("builtins", "new", 5000)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(store.append({ project: "p", path: "/f", events: [{ type: "stale", payload: {} }], fence })).rejects.toMatchObject({ code: "lease_lost" });
      await expect(store.setCursor("p", "/f", "c", 2, fence)).rejects.toMatchObject({ code: "lease_lost" });
      expect(await store.getCursor("p", "/f", "c")).toBe(1);
      expect((await store.read("p", "/f", { afterOffset: 0, limit: 10 })).map((record) => JSON.parse(record.json).type)).toEqual(["ok"]);
    } finally {
      await store.close();
    }
  });
});

/** A client LISTENing on the stores' channel, as another server's listener would; `nth(n)` waits for the n-th payload. */
async function listenToCommits(connectionString: string) {
  const client = new pg.Client({ connectionString });
  // A test that crashes the database ends this connection too.
  client.on("error", () => undefined);
  await client.connect();
  const payloads: string[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const arrived = (count: number) =>
    new Promise<void>((resolve) => {
      if (payloads.length >= count) resolve();
      else waiters.push({ count, resolve });
    });
  client.on("notification", (message) => {
    payloads.push(message.payload ?? "");
    for (const waiter of waiters.filter((candidate) => payloads.length >= candidate.count)) waiter.resolve();
    waiters = waiters.filter((candidate) => payloads.length < candidate.count);
  });
  await client.query("LISTEN tributary_commits");
  return {
    payloads,
    /** The origin (the sending store) of the n-th notification. */
    async nth(count: number): Promise<string> {
      await arrived(count);
      return payloads[count - 1]!.split(" ")[0]!;
    },
    /** Every notification committed before this call has arrived once it resolves (they arrive in commit order). */
    async flush(): Promise<string[]> {
      await client.query("NOTIFY tributary_commits, 'marker'");
      while (!payloads.includes("marker")) await arrived(payloads.length + 1);
      return payloads.slice(0, payloads.indexOf("marker"));
    },
    close: () => client.end(),
  };
}

describe("PostgreSQL commit notifications", () => {
  it("sends none for the commits of a server no other server has been heard from, only its hello", async () => {
    const database = await postgres.createDatabase();
    const listening = await listenToCommits(database);
    const store = await createPostgresStore({ connectionString: database });
    try {
      // Its hello: the one notification it sends.
      await listening.nth(1);
      await store.append({ project: "p", path: "/lone", events: [{ type: "first", payload: {} }] });
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append({ project: "p", path: `/lone/${i % 4}`, events: [{ type: "n", payload: { i } }] })));
      for (let i = 0; i < 5; i++) await store.append({ project: "p", path: "/lone", events: [{ type: "n", payload: { i } }] });
    } finally {
      // Close waits for a NOTIFY in flight, so the marker below is committed after every one of the store's.
      await store.close();
    }
    expect(await listening.flush()).toHaveLength(1);
    await listening.close();
  });

  it("lets two servers learn of each other, after which each one's commits wake the other", async () => {
    const database = await postgres.createDatabase();
    const listening = await listenToCommits(database);
    const a = await createPostgresStore({ connectionString: database });
    const heardByB: CommittedStreamEvents[] = [];
    let b: Awaited<ReturnType<typeof createPostgresStore>> | undefined;
    try {
      const originA = await listening.nth(1);
      await a.append({ project: "p", path: "/pair", events: [{ type: "before-b", payload: {} }] });
      b = await createPostgresStore({ connectionString: database });
      b.onCommit((batch) => heardByB.push(batch));
      // b's hello, a's answer to it, b's answer to a's: then each has heard of the other.
      const originB = await listening.nth(2);
      expect(originB).not.toBe(originA);
      expect(await listening.nth(3)).toBe(originA);
      expect(await listening.nth(4)).toBe(originB);
      await a.append({ project: "p", path: "/pair", events: [{ type: "after-b", payload: {} }] });
      expect(await listening.nth(5)).toBe(originA);
      await waitFor(() => heardByB.some((batch) => batch.events.some((item) => item.event.type === "after-b")), "b to hear a's commit");
      await b.append({ project: "p", path: "/pair", events: [{ type: "from-b", payload: {} }] });
      expect(await listening.nth(6)).toBe(originB);
    } finally {
      await a.close();
      await b?.close();
      await listening.close();
    }
  });
});

describe("PostgreSQL durability", () => {
  it("keeps every answered append through a database crash (pg_ctl -m immediate), batched or alone, with a peer notified of each", async () => {
    const database = await postgres.createDatabase();
    const listening = await listenToCommits(database);
    const a = await createPostgresStore({ connectionString: database });
    const b = await createPostgresStore({ connectionString: database });
    let answered = 0;
    try {
      // a's hello, b's, and each one's answer: from then on a's commits notify b (a NOTIFY after each commit).
      await listening.nth(4);
      await a.append({ project: "p", path: "/durable", events: [{ type: "first", payload: {} }] });
      answered += 1;
      // Alone (an idempotency key: a transaction of its own), then one at a time (a batch each), then 32 at once
      // (batches of many), the batches last: a later synchronous commit would flush an earlier one's WAL too.
      for (let i = 0; i < 10; i++)
        answered += (await a.append({ project: "p", path: "/durable", events: [{ type: "k", payload: { i }, idempotencyKey: `k${i}` }] })).events.length;
      for (let i = 0; i < 50; i++) answered += (await a.append({ project: "p", path: "/durable", events: [{ type: "n", payload: { i } }] })).events.length;
      const together = await Promise.all(
        Array.from({ length: 32 }, (_, i) => a.append({ project: "p", path: "/durable", events: [{ type: "c", payload: { i } }] })),
      );
      answered += together.reduce((sum, result) => sum + result.events.length, 0);
      // Right after the last answer: what was committed without waiting for its WAL flush would be lost here
      // (with the batches' connection set to `synchronous_commit=off`, this test fails).
      await postgres.crash();
    } finally {
      await a.close();
      await b.close();
      await listening.close().catch(() => undefined);
    }
    const rows = await postgres.query<{ count: number; last: number }>(
      "SELECT count(*)::int AS count, max(e.\"offset\")::int AS last FROM tributary_events e JOIN tributary_streams s ON s.id = e.stream_id WHERE s.path = '/durable'",
      new URL(database).pathname.slice(1),
    );
    expect(answered).toBe(93);
    expect(rows[0]).toEqual({ count: 93, last: 93 });
  });
});

describe("PostgreSQL commit feed: what it does not read again", () => {
  /**
   * The rows of the commit tailer's reads as node-pg answers them (node-pg's Pool.query observed, not
   * replaced), of the store that was created last: its origin, the reads' fourth parameter, is the highest.
   */
  function spyOnTailerReads() {
    type Read = { origin: number; knownOffsets: number[]; rows: { path: string; settled: boolean; json: string | null }[] };
    const reads: Read[] = [];
    const prototype = pg.Pool.prototype as unknown as { query: (...args: unknown[]) => Promise<unknown> };
    const original = prototype.query;
    prototype.query = async function (this: unknown, ...args: unknown[]) {
      const result = (await original.apply(this, args)) as { rows: Read["rows"] };
      const config = args[0] as { text?: string; values?: unknown[] } | string;
      if (typeof config !== "string" && config.text?.includes("horizon AS MATERIALIZED"))
        reads.push({ origin: Number(config.values![3]), knownOffsets: config.values![6] as number[], rows: result.rows });
      return result;
    };
    return {
      settled: (path: string) => {
        const last = Math.max(...reads.map((read) => read.origin));
        return reads.filter((read) => read.origin === last).flatMap((read) => read.rows.filter((row) => row.settled && row.path === path));
      },
      /** Whether a read has been answered that named these offsets as held (so it sent no JSON for them). */
      knew: (offsets: number[]) => reads.some((read) => offsets.every((offset) => read.knownOffsets.includes(offset))),
      restore: () => (prototype.query = original),
    };
  }

  it("hands on events another server committed from what this one already holds (a forwarded append's answer), without reading their JSON", async () => {
    const database = await postgres.createDatabase();
    const [a, b] = [await createPostgresStore({ connectionString: database }), await createPostgresStore({ connectionString: database })];
    const heard: CommittedStreamEvents[] = [];
    b.onCommit(
      (batch) => heard.push(batch),
      (_project, path) => path === "/held",
    );
    const blocker = new pg.Client({ connectionString: database });
    const spy = spyOnTailerReads();
    try {
      await b.append({ project: "p", path: "/held", events: [{ type: "first", payload: {} }] });
      // An open transaction holds back b's tailer: a's commits stay above its horizon until it ends, so b
      // holds the answer (as a forwarder would) before its tailer hands them on.
      await blocker.connect();
      await blocker.query("BEGIN");
      await blocker.query("SELECT pg_current_xact_id()");
      const answer = await a.append({
        project: "p",
        path: "/held",
        events: [
          { type: "n", payload: { n: 1 } },
          { type: "n", payload: { n: 2 } },
        ],
      });
      const other = await a.append({ project: "p", path: "/held", events: [{ type: "n", payload: { n: 3 } }] });
      b.cluster!.heard("p", "/held", answer.events);
      // A read already sent may not name them yet; the blocker ends only once one that does has been answered
      // (held back, the tailer reads again every few ms).
      const heldOffsets = answer.events.map((item) => item.event.offset);
      await waitFor(() => spy.knew(heldOffsets), "b's tailer to read with the answer held");
      await blocker.query("COMMIT");
      await waitFor(() => heard.flatMap((batch) => batch.events).some((item) => item.event.offset === 4), "b to hear offset 4");
      const events = heard.flatMap((batch) => batch.events).slice(1);
      expect(heard.flatMap((batch) => batch.events).map((item) => item.event.offset)).toEqual([1, 2, 3, 4]);
      // The held events themselves, not copies parsed from the database's JSON; the one not held was read.
      expect(events[0]!.event).toBe(answer.events[0]!.event);
      expect(events[1]!.event).toBe(answer.events[1]!.event);
      expect(events[2]!.event).toEqual(other.events[0]!.event);
      expect(events[2]!.event).not.toBe(other.events[0]!.event);
      // b's own first event (announced locally), the two held, and the one it did not hold.
      expect(spy.settled("/held").map((row) => row.json !== null)).toEqual([false, false, false, true]);
    } finally {
      spy.restore();
      await blocker.end();
      await a.close();
      await b.close();
    }
  });

  it("reads no JSON of other servers' events on streams no listener here wants, and still hands on a stream wanted later in full", async () => {
    const database = await postgres.createDatabase();
    const [a, b] = [await createPostgresStore({ connectionString: database }), await createPostgresStore({ connectionString: database })];
    const wanted = new Set(["/j/wanted"]);
    const heard: CommittedStreamEvents[] = [];
    b.onCommit(
      (batch) => heard.push(batch),
      (_project, path) => wanted.has(path),
    );
    const offsetsOf = (path: string) => heard.filter((batch) => batch.path === path).flatMap((batch) => batch.events.map((item) => item.event.offset));
    const spy = spyOnTailerReads();
    try {
      await b.append({ project: "p", path: "/j/wanted", events: [{ type: "first", payload: {} }] });
      for (const n of [1, 2, 3]) {
        await a.append({ project: "p", path: "/j/other", events: [{ type: "n", payload: { n } }] });
        await a.append({ project: "p", path: "/j/wanted", events: [{ type: "n", payload: { n } }] });
      }
      await waitFor(() => offsetsOf("/j/wanted").length === 4, "b to hear /j/wanted's three events from a");
      expect(spy.settled("/j/other").length).toBe(3);
      expect(spy.settled("/j/other").every((row) => row.json === null)).toBe(true);
      // b's own first event comes without its JSON (announced locally), a's three with it.
      expect(spy.settled("/j/wanted").map((row) => row.json !== null)).toEqual([false, true, true, true]);
      // Wanted from now on: its next commit is handed on (what was passed meanwhile is history, as before).
      wanted.add("/j/other");
      await a.append({ project: "p", path: "/j/other", events: [{ type: "n", payload: { n: 4 } }] });
      await a.append({ project: "p", path: "/j/wanted", events: [{ type: "n", payload: { n: 4 } }] });
      await waitFor(() => offsetsOf("/j/wanted").length === 5, "b to hear /j/wanted's fourth event from a");
      expect(offsetsOf("/j/other")).toEqual([4]);
      expect(heard.find((batch) => batch.path === "/j/other")!.events[0]!.event.payload).toEqual({ n: 4 });
    } finally {
      spy.restore();
      await a.close();
      await b.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { testBackend } from "../src/testing.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { describeStreamStoreContract } from "./store-contract.ts";

let dir = "";
describeStreamStoreContract("SQLite file", {
  async create() {
    dir = mkdtempSync(join(tmpdir(), "tributary-store-"));
    return createSqliteStore({ dataDir: dir });
  },
  async reopen(store) {
    await store.close();
    return createSqliteStore({ dataDir: dir });
  },
  async cleanup() {
    rmSync(dir, { recursive: true, force: true });
  },
});

// A cache of two rows: nearly every lookup misses and rows are dropped in the middle of transactions,
// which must change nothing but speed.
describeStreamStoreContract("SQLite in memory, with a path cache of 2 streams", {
  async create() {
    return createSqliteStore({ dataDir: ":memory:", maxCachedStreams: 2 });
  },
});

describeStreamStoreContract("SQLite in memory", {
  async create() {
    return createSqliteStore({ dataDir: ":memory:" });
  },
});

describeStreamStoreContract("SQLite file with fsync=full", {
  async create() {
    dir = mkdtempSync(join(tmpdir(), "tributary-store-"));
    return createSqliteStore({ dataDir: dir, fsync: "full" });
  },
  async cleanup() {
    rmSync(dir, { recursive: true, force: true });
  },
});

describe("the main test project", () => {
  it("runs its test servers on SQLite even when the PostgreSQL project runs alongside", () => {
    expect(testBackend).toBe("sqlite");
    expect(process.env.TRIBUTARY_TEST_POSTGRES_ADMIN_URL).toBeUndefined();
  });
});

describe("SQLite group commit", () => {
  it("commits the others when several requests of one group fail, and its cache matches the database after", async () => {
    const store = createSqliteStore({ dataDir: ":memory:" });
    try {
      await store.append({ project: "p", path: "/g", events: [{ type: "a", payload: {} }] });
      const results = await Promise.allSettled([
        store.append({ project: "p", path: "/g", events: [{ type: "ok1", payload: {} }] }),
        store.append({ project: "p", path: "/g/new", events: [{ type: "bad1", payload: {}, offset: 9 }] }),
        store.append({ project: "p", path: "/h/x", events: [{ type: "ok2", payload: {} }] }),
        store.append({ project: "p", path: "/g", events: [{ type: "bad2", payload: {}, offset: 1 }] }),
        store.append({ project: "p", path: "/g", events: [{ type: "ok3", payload: {} }] }),
        store.append({ project: "p", path: "/h/y", events: [{ type: "bad3", payload: {}, offset: 2 }] }),
      ]);
      expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled", "rejected"]);
      const types = async (path: string) => (await store.read("p", path, { afterOffset: 0, limit: 10 })).map((record) => JSON.parse(record.json).type);
      expect(await types("/g")).toEqual(["a", "ok1", "ok3"]);
      expect(await types("/h/x")).toEqual(["ok2"]);
      expect(await types("/h")).toEqual(["stream/child-created"]);
      expect(await store.info("p", "/g/new")).toBeUndefined();
      expect(await store.info("p", "/h/y")).toBeUndefined();
      // The next appends get the offsets the committed rows say (nothing of the failed ones is left in the cache).
      const next = await Promise.all([
        store.append({ project: "p", path: "/g", events: [{ type: "n", payload: {} }] }),
        store.append({ project: "p", path: "/h/y", events: [{ type: "n", payload: {} }] }),
      ]);
      expect(next.map((result) => result.events[0]!.event.offset)).toEqual([4, 1]);
      expect(await types("/h")).toEqual(["stream/child-created", "stream/child-created"]);
    } finally {
      await store.close();
    }
  });
});

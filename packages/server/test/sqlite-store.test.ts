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

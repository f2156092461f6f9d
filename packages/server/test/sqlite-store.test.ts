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

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/store/postgres/postgres-store.ts";
import { describeStreamStoreContract } from "./store-contract.ts";
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

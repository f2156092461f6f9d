import { afterAll, beforeAll } from "vitest";
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

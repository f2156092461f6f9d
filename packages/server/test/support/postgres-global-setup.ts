import { startPrivatePostgres } from "./postgres.ts";

/**
 * Vitest global setup for the PostgreSQL project: one private PostgreSQL server for the whole run; every
 * test server gets a fresh database on it (see startTestServer).
 */
export default async function setup() {
  const postgres = await startPrivatePostgres();
  const admin = await postgres.createDatabase();
  process.env.TRIBUTARY_TEST_POSTGRES_ADMIN_URL = admin;
  return async () => {
    await postgres.stop();
  };
}

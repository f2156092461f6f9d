import type { TestProject } from "vitest/node";
import { startPrivatePostgres } from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

/**
 * Vitest global setup for the PostgreSQL project: one private PostgreSQL server for the whole run; every
 * test server gets a fresh database on it (see startTestServer). The URL is provided to this project's
 * workers only (postgres-setup-file.ts), never through the environment, so other projects stay on SQLite.
 */
export default async function setup(project: TestProject) {
  const postgres = await startPrivatePostgres();
  project.provide("postgresAdminUrl", await postgres.createDatabase());
  return async () => {
    await postgres.stop();
  };
}

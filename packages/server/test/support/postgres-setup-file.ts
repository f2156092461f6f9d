import { inject } from "vitest";

// Runs in each worker of the PostgreSQL project before its test files load: startTestServer reads this.
process.env.TRIBUTARY_TEST_POSTGRES_ADMIN_URL = inject("postgresAdminUrl");

import { defineConfig } from "vitest/config";

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    // Two cores: more workers only make the real servers in the tests compete.
    maxWorkers: 2,
    projects: [
      {
        test: { ...shared, name: "main", include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts"] },
      },
      {
        // The same HTTP-level server suite, with every test server on PostgreSQL instead of SQLite. The
        // breaker's ping-pong test is left out: a loop through PostgreSQL can run below the default
        // 100 events/s, where it is (correctly) not a runaway loop.
        test: {
          ...shared,
          name: "server-on-postgres",
          include: ["packages/server/test/{streams-*,bad-input,live-fanout,docs,appender,builtins-docs-state,builtins-scheduler,builtins-subscriptions,builtins-transformer,durable-streams-client,durable-streams-mapping,durable-streams-conformance}.test.ts"],
          globalSetup: ["packages/server/test/support/postgres-global-setup.ts"],
          setupFiles: ["packages/server/test/support/postgres-setup-file.ts"],
        },
      },
    ],
  },
});

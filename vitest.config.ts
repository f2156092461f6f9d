import { defineConfig } from "vitest/config";

// Inside this repository @tributary/* and tributary resolve to their TypeScript sources: the packages' exports
// map the "tributary-source" condition to ./src (published installs get ./dist). Vite resolves the test files'
// imports with these conditions; NODE_OPTIONS carries the condition to the test workers and to every process a
// test spawns (the CLI, example scripts), which Node itself resolves.
const sourceConditions = ["tributary-source", "module", "node", "development|production"];
if (!/--conditions=tributary-source/.test(process.env.NODE_OPTIONS ?? "")) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=tributary-source`.trim();
}

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: "forks" as const,
};

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ["tributary-source"] } },
  test: {
    // Two cores: more workers only make the real servers in the tests compete.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { ...shared, name: "main", include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts"] },
      },
      {
        // The same HTTP-level server suite, with every test server on PostgreSQL instead of SQLite. The
        // breaker's ping-pong test is left out: a loop through PostgreSQL can run below the default
        // 100 events/s, where it is (correctly) not a runaway loop.
        extends: true,
        test: {
          ...shared,
          name: "server-on-postgres",
          include: [
            "packages/server/test/{streams-*,bad-input,live-fanout,docs,appender,builtin-gate,builtins-docs-state,builtins-scheduler,builtins-subscriptions,builtins-transformer,quotas,subscription-header-secrets,auth-scopes,security-modes,outbound-webhooks,bounded-evaluation,malformed-input,durable-streams-client,durable-streams-mapping,durable-streams-conformance,cold-start,wire-contract,hosted-processors,hosted-snapshots}.test.ts",
          ],
          globalSetup: ["packages/server/test/support/postgres-global-setup.ts"],
          setupFiles: ["packages/server/test/support/postgres-setup-file.ts"],
        },
      },
    ],
  },
});

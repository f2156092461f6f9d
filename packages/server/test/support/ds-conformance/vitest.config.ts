import { defineConfig } from "vitest/config";

// The conformance suite on its own: one file, one worker, against one server.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["conformance-suite.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});

// The public Durable Streams server conformance suite (npm @durable-streams/server-conformance-tests),
// run by its own vitest (vitest.config.ts here) against the server named by CONFORMANCE_TEST_URL.
// durable-streams-conformance.test.ts starts a Tributary server and runs this in a child process.
import { runConformanceTests } from "@durable-streams/server-conformance-tests";

const baseUrl = process.env.CONFORMANCE_TEST_URL;
if (!baseUrl) throw new Error("CONFORMANCE_TEST_URL names the server to test.");
runConformanceTests({ baseUrl, longPollTimeoutMs: Number(process.env.CONFORMANCE_LONG_POLL_MS ?? 20_000) });

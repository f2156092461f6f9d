import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient } from "tributary";
import { spawnProcess, tributaryBin } from "../../packages/cli/test/support/cli-process.ts";
import { readAll, waitForEvent } from "../../packages/sdk/test/support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("the slow-job example", () => {
  it("lets a second job request cancel the first one's long work", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const run = spawnProcess([tributaryBin, "run", "examples/slow-job/slow-job.ts", "--path", "/jobs", "--url", server.url]);
    await run.waitForOutput(/is running on \/jobs/);

    // Ten minutes of work: it can only end early by being interrupted.
    const long = await client.append({ path: "/jobs", event: { type: "job-requested", payload: { steps: 600, stepMs: 1000 } } });
    await waitForEvent(server.url, "/jobs", (event) => event.type === "job-started" && event.payload.job === long.offset, "the long job to start");
    const short = await client.append({ path: "/jobs", event: { type: "job-requested", payload: { steps: 1, stepMs: 1 } } });

    const cancelled = await waitForEvent(server.url, "/jobs", (event) => event.type === "job-cancelled", "the long job to be cancelled");
    expect(cancelled.payload).toEqual({ job: long.offset, by: short.offset });
    await waitForEvent(server.url, "/jobs", (event) => event.type === "job-completed" && event.payload.job === short.offset, "the short job to complete");

    const events = await readAll(server.url, "/jobs");
    expect(events.some((event) => event.type === "job-completed" && event.payload.job === long.offset)).toBe(false);
    expect((await run.stop()).code).toBe(0);
  });
});

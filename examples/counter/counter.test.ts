import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient } from "tributary";
import { testProcessor } from "tributary/testing";
import { spawnProcess, tributaryBin } from "../../packages/cli/test/support/cli-process.ts";
import { readAll, waitForEvent } from "../../packages/sdk/test/support/wait-for.ts";
import counter, { CountRequested, Increment } from "./counter.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("the counter example", () => {
  it("counts the history it caught up on and reports the count when asked (given / when / then)", async () => {
    await testProcessor(counter)
      .given([Increment.create({ by: 2 }), Increment.create({}), { type: "increment", payload: { by: "not a number" } }])
      .when(CountRequested.create({}))
      .then(({ state, appended }) => {
        expect(state).toEqual({ count: 3 });
        expect(appended.map((event) => [event.type, event.payload])).toEqual([["count-reported", { count: 3 }]]);
      });
  });

  it("runs with `tributary run` against a server and answers over HTTP", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    await client.append({ path: "/counter", event: { type: "increment", payload: { by: 5 } } });
    const run = spawnProcess([tributaryBin, "run", "examples/counter/counter.ts", "--path", "/counter", "--url", server.url]);
    await run.waitForOutput(/the count on \/counter is 5/);
    await client.append({ path: "/counter", event: { type: "increment", payload: { by: 2 } } });
    const request = await client.append({ path: "/counter", event: { type: "count-requested" } });
    const report = await waitForEvent(server.url, "/counter", (event) => event.type === "count-reported", "a count report");
    expect(report.payload).toEqual({ count: 7 });
    expect(report.metadata).toMatchObject({ processor: "counter", causedBy: { path: "/counter", offset: request.offset } });
    expect((await run.stop()).code).toBe(0);
    expect((await readAll(server.url, "/counter")).filter((event) => event.type === "count-reported")).toHaveLength(1);
  });
});

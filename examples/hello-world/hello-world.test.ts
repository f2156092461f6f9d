import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { spawnProcess } from "../../packages/cli/test/support/cli-process.ts";
import { readAll } from "../../packages/sdk/test/support/wait-for.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("the hello-world example", () => {
  it("appends a hello-world event and prints the stream back, run twice", async () => {
    for (const expectedOffset of [1, 2]) {
      const run = spawnProcess(["examples/hello-world/hello-world.ts", "/me/hello"], { env: { TRIBUTARY_URL: server.url } });
      const { code } = await run.exited;
      expect(code, run.output()).toBe(0);
      expect(run.stdout()).toContain(`appended hello-world to /me/hello at offset ${expectedOffset}`);
      expect(run.stdout()).toContain(`#${expectedOffset} hello-world {"greeting":"Hello, world!"}`);
    }
    const events = await readAll(server.url, "/me/hello");
    expect(events.map((event) => [event.offset, event.type])).toEqual([
      [1, "hello-world"],
      [2, "hello-world"],
    ]);
  });
});

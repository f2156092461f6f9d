// The proof script of the pattern example: runs the processor in this process on `${PATH_PREFIX}/**/*`,
// appends to matching and non-matching streams, and checks that exactly the matching ones got pongs.
import assert from "node:assert/strict";
import { createEventsClient, PullSubscriptionPatternProcessorRuntime, runWorkshopMain, type Event, type StreamPath } from "tributary/workshop";
import processor from "./ping-pong-processor.ts";

async function waitFor(check: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function eventsAfter(client: ReturnType<typeof createEventsClient>, path: StreamPath, offset: number) {
  const events: Event[] = [];
  for await (const event of await client.stream({ path, offset }, {})) events.push(event);
  return events;
}

runWorkshopMain(import.meta.url, async (pathPrefix) => {
  const client = createEventsClient({ baseUrl: process.env.BASE_URL || "http://127.0.0.1:4000" });
  const streamPattern = `${pathPrefix}/**/*`;
  const matching = [`${pathPrefix}/proofs/a`, `${pathPrefix}/proofs/nested/b`] as StreamPath[];
  const elsewhere = "/someone-else/proofs/a" as StreamPath;

  const runtime = new PullSubscriptionPatternProcessorRuntime({ eventsClient: client, streamPattern, processor });
  const running = runtime.run();
  try {
    for (const path of [...matching, elsewhere]) await client.append({ path, event: { type: "warmup" } });
    await waitFor(() => matching.every((path) => runtime.getStreamPaths().includes(path)), "the matching streams to be discovered");
    assert.equal(runtime.getStreamPaths().includes(elsewhere), false);

    const pings = await Promise.all([...matching, elsewhere].map((path) => client.append({ path, event: { type: "ping" } })));
    for (const [index, path] of matching.entries()) {
      const ping = pings[index]!;
      await waitFor(
        async () =>
          (await eventsAfter(client, path, ping.event.offset)).some((event) => event.type === "pong" && event.payload.replyToOffset === ping.event.offset),
        `a pong on ${path}`,
      );
      assert.deepEqual(runtime.getState(path), { pingCount: 1 });
    }
    const other = pings[matching.length]!;
    assert.equal(
      (await eventsAfter(client, elsewhere, other.event.offset)).some((event) => event.type === "pong"),
      false,
    );
    console.log(`Discovered: ${runtime.getStreamPaths().join(", ")}`);
    console.log("proof passed");
  } finally {
    runtime.stop();
    await running;
  }
});

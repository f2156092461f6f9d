import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, stream, type JsonBatch } from "@durable-streams/client";
import type { StoredEvent } from "@tributary/protocol";
import { createEventsClient, defineProcessor, PullProcessorRuntime } from "@tributary/sdk";
import { startTestServer, waitFor, type TestServer } from "../src/testing.ts";
import { readEvents } from "./support/http.ts";

// The official Durable Streams client (npm @durable-streams/client) as a Tributary client: it reads an
// agent-like stream live through /v1/stream and appends an event that a processor in an SDK runtime
// answers. Runs on SQLite (project main) and PostgreSQL (project server-on-postgres).

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** An agent-like processor: every `agent-input-added` gets an `agent-message-added` answer. */
const echoAgent = defineProcessor(() => ({
  slug: "echo-agent",
  initialState: { inputs: 0 },
  reduce: ({ event, state }) => (event.type === "agent-input-added" ? { inputs: state.inputs + 1 } : undefined),
  afterAppend: async ({ event, state, append }) => {
    if (event.type !== "agent-input-added") return;
    await append({ event: { type: "agent-message-added", payload: { content: `echo: ${String(event.payload.content)}`, inputs: state.inputs } } });
  },
}));

describe.each(["sse", "long-poll"] as const)("the @durable-streams/client over live=%s", (live) => {
  it("reads an agent stream live and appends an input that a Tributary processor answers", async () => {
    const path = `/ds-client/${live}/agent`;
    const events = createEventsClient({ baseUrl: server.url });
    await events.append({ path, event: { type: "agent-config-set", payload: { model: "echo" } } });
    const runtime = new PullProcessorRuntime({ path, processor: echoAgent, client: events });
    await runtime.start();
    try {
      const url = `${server.url}/v1/stream${path}`;
      const seen: unknown[] = [];
      const response = await stream<StoredEvent>({ url, offset: "-1", live });
      const unsubscribe = response.subscribeJson(async (batch: JsonBatch<StoredEvent>) => {
        seen.push(...batch.items);
      });
      await waitFor(() => seen.some((item) => (item as StoredEvent).type === "agent-config-set"), "the DS reader sees the stream's first event");

      const handle = await DurableStream.connect({ url });
      await handle.append(JSON.stringify({ type: "agent-input-added", payload: { content: "hello from a DS client" } }));

      const answer = await waitFor(
        () => seen.find((item): item is StoredEvent => (item as StoredEvent).type === "agent-message-added"),
        "the processor's answer reaches the DS reader",
      );
      expect(answer.payload).toEqual({ content: "echo: hello from a DS client", inputs: 1 });
      expect(answer.streamPath).toBe(path);
      unsubscribe();
      response.cancel();

      // The DS append is the same Tributary event, at the next offset, and the DS offset names it.
      const stored = await readEvents(server.url, path);
      expect(stored.map((event) => [event.offset, event.type])).toEqual([
        [1, "agent-config-set"],
        [2, "agent-input-added"],
        [3, "agent-message-added"],
      ]);
      expect(await handle.head()).toMatchObject({ exists: true, contentType: "application/json", offset: "0000000000000003" });
    } finally {
      await runtime.stop();
    }
  });
});

import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient, createRuntimeLogger, PullProcessorRuntime, retryDelayFor, type EventsClient } from "@tributary/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { createAgentProcessor } from "../src/agent-processor.ts";
import { startMockLlm, type MockLlm, type MockScriptInput } from "../src/mock-llm/index.ts";
import { waitFor } from "./support/wait-for.ts";

// When the server refuses the agent's events (issue 13): a refusal that repeating cannot change (a 4xx)
// is said at once with the server's message and never retried on a timer; transient ones are retried.
// Over real HTTP against a real server and the scripted model server.

const adminToken = "operator-chosen-admin-token-0123456789";
const path = "/agents/refused";
const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const part of started.splice(0).reverse()) await part.close();
});

async function startParts(options: { script: MockScriptInput; server?: Parameters<typeof startTestServer>[0]; token?: string }) {
  const server: TestServer = await startTestServer(options.server);
  started.push(server);
  const llm: MockLlm = await startMockLlm({ script: options.script });
  started.push(llm);
  const admin = createEventsClient({ baseUrl: server.url, ...(options.server?.auth ? { token: adminToken } : {}) });
  return { server, llm, admin };
}

/** Runs the agent processor on `path` with `client`, keeping its log lines. */
async function runAgent(client: EventsClient, llm: MockLlm) {
  const lines: string[] = [];
  const logger = createRuntimeLogger({ level: "debug", write: (line) => lines.push(line) });
  const processor = createAgentProcessor({ client, model: "mock-model", baseUrl: llm.baseUrl, apiKey: "sk-test", maxRetries: 0, contextWindowMs: 20 });
  const runtime = new PullProcessorRuntime({ client, path, processor: processor as never, logger });
  await runtime.start();
  started.push({ close: () => runtime.stop() });
  return { lines };
}

const read = async (client: EventsClient): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  for await (const event of client.stream({ path })) events.push(event);
  return events;
};

describe("the agent's events refused by the server", () => {
  it("says a 403 at once with the server's message and does not retry it, input after input", async () => {
    const { server, llm, admin } = await startParts({ script: [{ text: "never asked", repeat: true }], server: { auth: true, adminToken, rateLimit: false } });
    const created = await admin.append({ path, event: { type: "note" } });
    expect(created.offset).toBe(1);
    // A token that may read the agent's stream but append only elsewhere: every step the agent takes is refused.
    const response = await fetch(`${server.url}/api/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "reader", scopes: ["read:/", "append:/elsewhere"] }),
    });
    const { token } = (await response.json()) as { token: string };
    const agent = await runAgent(createEventsClient({ baseUrl: server.url, token }), llm);

    const refusals = () => agent.lines.filter((line) => line.includes("not retried"));
    await admin.append({ path, event: { type: "agent-input-added", payload: { content: "hello" } } });
    await waitFor(() => refusals().length >= 1, "the first refusal to be logged");
    expect(refusals()[0]).toContain("Token 'reader' lacks the scope append");
    // A second input: the agent tries (and is refused) again because something new happened, not on a timer.
    await admin.append({ path, event: { type: "agent-input-added", payload: { content: "hello again" } } });
    await waitFor(() => refusals().length >= 2, "the second input's refusal to be logged");
    expect(agent.lines.some((line) => line.includes("trying again"))).toBe(false);
    expect(llm.requests).toHaveLength(0);
    // Nothing the agent tried was stored: only the admin's three events.
    expect((await read(admin)).map((event) => event.type)).toEqual(["note", "agent-input-added", "agent-input-added"]);
  });

  it("ends the run when one of its events is too large, with the server's message, and tries nothing again", async () => {
    const { llm, admin } = await startParts({ script: [{ text: "x".repeat(3_000), chunkSize: 500 }], server: { limits: { maxEventBytes: 2_000 } } });
    const agent = await runAgent(admin, llm);
    const input = await admin.append({ path, event: { type: "agent-input-added", payload: { content: "say a lot" } } });
    const ended = await waitFor(
      async () => (await read(admin)).find((e) => e.type === "agent-run-ended" && e.payload.inputOffset === input.offset),
      "the run to end",
      30_000,
    );
    // The server's own words end the run: the request failed because its output could not be stored.
    expect(ended.payload).toMatchObject({ outcome: "failed", text: expect.stringMatching(/^An event is \d+ bytes; the limit is 2000\.$/) });
    const events = await read(admin);
    expect(events.filter((e) => e.type === "agent-output-chunk-received").length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "agent-output-completed")).toHaveLength(0);
    expect(events.find((e) => e.type === "agent-request-failed")!.payload).toMatchObject({ message: expect.stringContaining("the limit is 2000") });
    expect(agent.lines.some((line) => line.includes("trying again"))).toBe(false);
    expect(llm.requests).toHaveLength(1);
  });
});

describe("retryDelayFor, on the server's real answers", () => {
  it("retries an unreachable server and a 429 (after its Retry-After), never a 4xx", async () => {
    const { server, admin } = await startParts({ script: [], server: { auth: true, adminToken, rateLimit: { requests: 2, perSeconds: 3600 } } });
    const failure = (work: Promise<unknown>) =>
      work.then(
        () => undefined,
        (error: unknown) => error,
      );

    const forbidden = await failure(createEventsClient({ baseUrl: server.url, token: "not-a-token" }).append({ path, event: { type: "x" } }));
    expect(forbidden).toMatchObject({ code: "unauthorized" });
    expect(retryDelayFor(forbidden, 100)).toBeUndefined();
    const invalid = await failure(admin.append({ path, event: { type: "" } }));
    expect(invalid).toMatchObject({ status: 400 });
    expect(retryDelayFor(invalid, 100)).toBeUndefined();

    let limited: unknown;
    for (let i = 0; i < 20 && limited === undefined; i++) limited = await failure(admin.append({ path, event: { type: "x" } }));
    expect(limited).toMatchObject({ code: "rate_limited", details: { retryAfterMs: expect.any(Number) } });
    // The server asks for a long wait (one request per half hour here); a retry loop waits at most 60 s.
    expect(retryDelayFor(limited, 100)).toBe(Math.min(60_000, (limited as { details: { retryAfterMs: number } }).details.retryAfterMs));

    const unreachable = await failure(createEventsClient({ baseUrl: "http://127.0.0.1:9" }).append({ path, event: { type: "x" } }));
    expect(unreachable).toMatchObject({ code: "unavailable" });
    expect(retryDelayFor(unreachable, 100)).toBe(100);
  });
});

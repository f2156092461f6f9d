import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { stateOf } from "./builtins-support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const configure = (url: string, path: string, payload: Record<string, unknown>) => appendJson(url, path, { type: "transformer/configured", payload });
const ofType = async (url: string, path: string, type: string) => (await readEvents(url, path)).filter((event) => event.type === type);

const slackToAgent = {
  slug: "slack-to-agent",
  matcher: "type = 'stream/invalid-event-appended' and payload.rawInput.command = '/ask'",
  transform: "{ 'type': 'agent-input-added', 'payload': { 'content': payload.rawInput.text, 'role': 'user', 'from': payload.rawInput.user_name } }",
};

describe("the JSON transformer", () => {
  it("turns a Slack-style form post, stored as an invalid event, into an agent input", async () => {
    const path = "/transform/slack";
    expect((await configure(server.url, path, slackToAgent)).status).toBe(201);
    const form = new URLSearchParams({ token: "t0k", command: "/ask", text: "What changed since yesterday?", user_name: "jonas" });
    const posted = await fetch(`${server.url}/api/streams${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    expect(posted.status).toBe(201);
    const raw = (await posted.json()) as StoredEvent;
    expect(raw.type).toBe("stream/invalid-event-appended");

    const [input] = await waitFor(async () => {
      const list = await ofType(server.url, path, "agent-input-added");
      return list.length > 0 ? list : undefined;
    }, "the agent input");
    expect(input).toMatchObject({
      payload: { content: "What changed since yesterday?", role: "user", from: "jonas" },
      metadata: { transformedBy: { slug: "slack-to-agent", sourceOffset: raw.offset, depth: 1 } },
    });
    // Other form posts are left alone.
    await fetch(`${server.url}/api/streams${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "command=/other",
    });
    await appendJson(server.url, path, { type: "marker" });
    await waitFor(
      async () => (await stateOf(server.url, path)).transformers.transformers[0].cursor === (await readEvents(server.url, path)).length,
      "the cursor at the end",
    );
    expect(await ofType(server.url, path, "agent-input-added")).toHaveLength(1);
  });

  it("never transforms its own output, even when its matcher matches everything", async () => {
    const path = "/transform/greedy";
    await configure(server.url, path, { slug: "echo", matcher: "true", transform: "{ 'type': 'echo', 'payload': { 'of': type } }" });
    await appendJson(server.url, path, { type: "one" });
    await appendJson(server.url, path, { type: "two" });
    await waitFor(async () => (await ofType(server.url, path, "echo")).length === 2, "two echoes");
    await appendJson(server.url, path, { type: "three" });
    await waitFor(async () => (await ofType(server.url, path, "echo")).length === 3, "the third echo");
    const events = await readEvents(server.url, path);
    // Transforms run after the append, so an echo may land after the next input: compare what each echo is of.
    expect(events.filter((event) => event.type !== "echo").map((event) => event.type)).toEqual(["transformer/configured", "one", "two", "three"]);
    expect(events.filter((event) => event.type === "echo").map((event) => event.payload.of)).toEqual(
      ["transformer/configured", "one", "two"].slice(1).concat("three"),
    );
    expect(events.some((event) => event.type === "stream/paused")).toBe(false);
  });

  it("stops two transformers that feed each other after a short chain, and says why", async () => {
    const path = "/transform/ping-pong";
    await configure(server.url, path, { slug: "ping-to-pong", matcher: "type = 'ping'", transform: "{ 'type': 'pong' }" });
    await configure(server.url, path, { slug: "pong-to-ping", matcher: "type = 'pong'", transform: "{ 'type': 'ping' }" });
    await appendJson(server.url, path, { type: "ping" });
    const [error] = await waitFor(async () => {
      const list = await ofType(server.url, path, "stream/error-occurred");
      return list.length > 0 ? list : undefined;
    }, "the chain to be stopped");
    expect(error!.payload).toMatchObject({ processor: "transformer" });
    expect(String(error!.payload.message)).toContain("chain of 4 transformers");
    const events = await readEvents(server.url, path);
    expect(events.filter((event) => event.type === "ping" || event.type === "pong")).toHaveLength(5);
  });

  it("records an error event when the transform yields something that is not an event", async () => {
    const path = "/transform/broken";
    await configure(server.url, path, { slug: "no-type", matcher: "type = 'in'", transform: "{ 'payload': { 'x': 1 } }" });
    await configure(server.url, path, {
      slug: "reserved",
      matcher: "type = 'in'",
      transform: "{ 'type': 'stream/child-created', 'payload': { 'childPath': '/x' } }",
    });
    const source = (await (await appendJson(server.url, path, { type: "in" })).json()) as StoredEvent;
    const errors = await waitFor(async () => {
      const list = await ofType(server.url, path, "stream/error-occurred");
      return list.length === 2 ? list : undefined;
    }, "two error events");
    expect(errors.map((event) => event.payload.slug).sort()).toEqual(["no-type", "reserved"]);
    expect(errors.every((event) => event.payload.offset === source.offset)).toBe(true);
    expect(String(errors.find((event) => event.payload.slug === "no-type")!.payload.message)).toContain("type is required");
    expect(String(errors.find((event) => event.payload.slug === "reserved")!.payload.message)).toContain("appended only by the server");
  });

  it("stops a runaway transform and records it, then goes on with the next event", async () => {
    const path = "/transform/runaway";
    await configure(server.url, path, {
      slug: "forever",
      matcher: "type = 'in'",
      transform: "payload.loop ? ($f := function($x) { $f($x + 1) }; $f(1)) : { 'type': 'out' }",
    });
    await appendJson(server.url, path, { type: "in", payload: { loop: true } });
    await appendJson(server.url, path, { type: "in", payload: { loop: false } });
    await waitFor(async () => (await ofType(server.url, path, "out")).length === 1, "the next event's output");
    const [error] = await ofType(server.url, path, "stream/error-occurred");
    expect(error!.payload).toMatchObject({ processor: "transformer", slug: "forever", offset: 2 });
    expect(String(error!.payload.message)).toContain("Evaluation timeout");
  });

  it("waits while the stream is paused and transforms what it missed after the resume", async () => {
    const path = "/transform/paused";
    await configure(server.url, path, {
      slug: "upper",
      matcher: "type = 'word'",
      transform: "{ 'type': 'loud', 'payload': { 'text': $uppercase(payload.text) } }",
    });
    await appendJson(server.url, path, {
      events: [
        { type: "word", payload: { text: "hush" } },
        { type: "stream/paused", payload: { reason: "quiet" } },
      ],
    });
    await waitFor(async () => (await stateOf(server.url, path)).pause !== null, "the pause");
    await appendJson(server.url, path, { type: "stream/resumed", payload: { reason: "go" } });
    const [loud] = await waitFor(async () => {
      const list = await ofType(server.url, path, "loud");
      return list.length > 0 ? list : undefined;
    }, "the transformed word");
    expect(loud!.payload).toEqual({ text: "HUSH" });
    expect(loud!.offset).toBeGreaterThan(4);
  });

  it("keeps transforming after a server restart, from where it stopped", async () => {
    const first = await startTestServer({ keepDataDir: true });
    const path = "/transform/restart";
    await configure(first.url, path, slackToAgent);
    await first.close();
    const second = await startTestServer({ dataDir: first.dataDir });
    try {
      await fetch(`${second.url}/api/streams${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "command=/ask&text=still+there%3F",
      });
      const [input] = await waitFor(async () => {
        const list = await ofType(second.url, path, "agent-input-added");
        return list.length > 0 ? list : undefined;
      }, "the agent input on the new server");
      expect(input!.payload.content).toBe("still there?");
    } finally {
      await second.close();
    }
  });

  it("answers invalid JSONata at configure time with 400 and where the mistake is", async () => {
    const bad = await configure(server.url, "/transform/bad", { slug: "x", matcher: "type = ", transform: "{}" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/matcher: not a valid JSONata expression: .*at character/);
    const badTransform = await configure(server.url, "/transform/bad", { slug: "x", matcher: "true", transform: "{ 'type': }" });
    expect(badTransform.status).toBe(400);
    expect((await badTransform.json()).message).toContain("transform:");
    const missing = await appendJson(server.url, "/transform/bad", { type: "transformer/removed", payload: { slug: "x" } });
    expect(missing.status).toBe(400);
    expect(await readEvents(server.url, "/transform/bad")).toEqual([]);
  });

  it("stops transforming once removed", async () => {
    const path = "/transform/removed";
    await configure(server.url, path, { slug: "copy", matcher: "type = 'a'", transform: "{ 'type': 'b' }" });
    await appendJson(server.url, path, { type: "a" });
    await waitFor(async () => (await ofType(server.url, path, "b")).length === 1, "the first copy");
    await appendJson(server.url, path, { type: "transformer/removed", payload: { slug: "copy" } });
    await configure(server.url, path, { slug: "probe", matcher: "type = 'a'", transform: "{ 'type': 'c' }" });
    await appendJson(server.url, path, { type: "a" });
    await waitFor(async () => (await ofType(server.url, path, "c")).length === 1, "the probe");
    expect(await ofType(server.url, path, "b")).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { getJson, startReceiver, stateOf } from "./builtins-support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const builtinTypes = [
  "stream/paused",
  "stream/resumed",
  "stream/child-created",
  "stream/child-deleted",
  "stream/forked",
  "stream/invalid-event-appended",
  "stream/error-occurred",
  "circuit-breaker/configured",
  "schedule/configured",
  "schedule/cancelled",
  "subscription/configured",
  "subscription/removed",
  "subscription/delivery-failed",
  "transformer/configured",
  "transformer/removed",
  "processor/deployed",
  "processor/removed",
  "processor/started",
  "processor/logged",
  "processor/suspended",
  "processor/snapshotted",
];

interface TypeDoc {
  type: string;
  title: string;
  appendedBy: "server" | "anyone";
  payloadSchema: { type: string; properties: Record<string, unknown>; required?: string[] };
  preset: { type: string; payload: Record<string, unknown> } | null;
}

describe("built-in event type docs", () => {
  it("lists every built-in type with its payload schema and a preset the UI can offer", async () => {
    const { types } = await getJson<{ types: TypeDoc[] }>(`${server.url}/api/docs/events?format=json`);
    expect(types.map((doc) => doc.type).sort()).toEqual([...builtinTypes].sort());
    for (const doc of types) {
      expect(doc.payloadSchema.type, doc.type).toBe("object");
      expect(Object.keys(doc.payloadSchema.properties).length, doc.type).toBeGreaterThan(0);
      if (doc.appendedBy === "server") expect(doc.preset, doc.type).toBeNull();
      else expect(doc.preset?.type, doc.type).toBe(doc.type);
    }
    const schedule = types.find((doc) => doc.type === "schedule/configured")!;
    expect(schedule.payloadSchema.required).toEqual(expect.arrayContaining(["slug", "event", "schedule"]));
    const html = await (await fetch(`${server.url}/api/docs/events`)).text();
    for (const type of builtinTypes) expect(html).toContain(`/api/docs/events/${type}`);
  });

  it("offers presets that the server accepts as they are", async () => {
    const { types } = await getJson<{ types: TypeDoc[] }>(`${server.url}/api/docs/events?format=json`);
    const presetOf = (type: string) => types.find((doc) => doc.type === type)!.preset!;
    for (const doc of types) {
      if (!doc.preset) continue;
      const path = `/presets/${doc.type.replace("/", "-")}`;
      // A removal needs something to remove: its namespace's configure preset first.
      const configure = doc.type === "processor/removed" ? "processor/deployed" : doc.type.replace(/\/(cancelled|removed)$/, "/configured");
      if (configure !== doc.type) expect((await appendJson(server.url, path, presetOf(configure))).status, configure).toBe(201);
      const response = await appendJson(server.url, path, doc.preset);
      expect(response.status, `${doc.type}: ${await response.clone().text()}`).toBe(201);
    }
  });
});

describe("the state endpoint", () => {
  it("shows each built-in's state: pause, breaker, schedules, subscriptions with their cursors, transformers", async () => {
    const receiver = await startReceiver();
    const path = "/state/everything";
    try {
      await appendJson(server.url, path, {
        events: [
          { type: "circuit-breaker/configured", payload: { maxEvents: 500, windowSeconds: 2 } },
          {
            type: "schedule/configured",
            payload: { slug: "daily", event: { type: "standup" }, schedule: { kind: "cron", cron: "0 9 * * 1-5", timezone: "Europe/Berlin" } },
          },
          { type: "subscription/configured", payload: { slug: "hook", url: receiver.url, types: ["note"] } },
          { type: "transformer/configured", payload: { slug: "copy", matcher: "type = 'note'", transform: "{ 'type': 'copied' }" } },
          { type: "note" },
        ],
      });
      await waitFor(() => receiver.received.length === 1, "the delivery");
      await waitFor(async () => (await readEvents(server.url, path)).some((event) => event.type === "copied"), "the transformer's output");
      const state = await stateOf(server.url, path);
      expect(state.pause).toBeNull();
      expect(state["circuit-breaker"]).toMatchObject({ maxEvents: 500, windowSeconds: 2, source: "stream" });
      expect(state.scheduler.schedules).toEqual([
        expect.objectContaining({
          slug: "daily",
          schedule: { kind: "cron", cron: "0 9 * * 1-5", timezone: "Europe/Berlin" },
          firings: 0,
          waitingForResume: false,
        }),
      ]);
      const next = new Date(state.scheduler.schedules[0].nextDueAt);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" }).format(next)).toBe("09:00");
      await waitFor(async () => (await stateOf(server.url, path)).subscriptions.subscriptions[0].cursor === 6, "the subscription's cursor past the copy");
      expect((await stateOf(server.url, path)).subscriptions.subscriptions[0]).toMatchObject({
        slug: "hook",
        url: receiver.url,
        types: ["note"],
        failing: null,
      });
      await waitFor(async () => (await stateOf(server.url, path)).transformers.transformers[0]?.cursor === 6, "the transformer's cursor");
      expect((await stateOf(server.url, path)).transformers.transformers[0]).toMatchObject({ slug: "copy", matcher: "type = 'note'" });

      await appendJson(server.url, path, { type: "stream/paused", payload: { reason: "lunch" } });
      expect((await stateOf(server.url, path)).pause).toMatchObject({ reason: "lunch" });
    } finally {
      await receiver.close();
    }
  });

  it("shows the server's default breaker for a stream that did not configure one", async () => {
    await appendJson(server.url, "/state/plain", { type: "x" });
    expect((await stateOf(server.url, "/state/plain"))["circuit-breaker"]).toMatchObject({ maxEvents: 100, windowSeconds: 1, source: "server default" });
  });
});

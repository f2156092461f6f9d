import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, openReader, readEvents, waitFor } from "./support/http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  for (const path of ["/org/team/a", "/org/team/b", "/org/team/b/deep", "/org/other"]) await appendJson(server.url, path, { type: "x" });
});
afterAll(async () => {
  await server.close();
});

const getJson = async (path: string) => (await fetch(`${server.url}${path}`)).json();

describe("listing streams", () => {
  it("lists a stream's direct children", async () => {
    const body = await getJson("/api/children/org/team");
    expect(body.streams.map((s: { path: string }) => s.path)).toEqual(["/org/team/a", "/org/team/b"]);
    expect(body.streams[0]).toMatchObject({ lastOffset: 1 });
  });

  it("lists the whole tree below a path, and below the root", async () => {
    const body = await getJson("/api/tree/org");
    expect(body.streams.map((s: { path: string }) => s.path)).toEqual(["/org/other", "/org/team", "/org/team/a", "/org/team/b", "/org/team/b/deep"]);
    const root = await getJson("/api/children");
    expect(root.streams.map((s: { path: string }) => s.path)).toContain("/org");
  });

  it("does not mistake a sibling with a common prefix for a child", async () => {
    await appendJson(server.url, "/org/team-extra", { type: "x" });
    const body = await getJson("/api/children/org/team");
    expect(body.streams.map((s: { path: string }) => s.path)).not.toContain("/org/team-extra");
  });
});

describe("listing streams with their status", () => {
  it("says each stream's last activity, paused, failing and agent with status=true, for streams never opened too", async () => {
    const own = await startTestServer({ keepDataDir: true });
    try {
      await appendJson(own.url, "/st/agent", { type: "agent-input-added", payload: { content: "hi" } });
      await appendJson(own.url, "/st/paused", { type: "stream/paused", payload: { reason: "maintenance" } });
      // A webhook to a port nobody listens on: its delivery fails.
      await appendJson(own.url, "/st/hook", { type: "subscription/configured", payload: { slug: "down", url: "http://127.0.0.1:9/hook" } });
      await appendJson(own.url, "/st/hook", { type: "note" });
      await appendJson(own.url, "/st/plain", { type: "note" });
      const statuses = async (url: string) => {
        const body = (await (await fetch(`${url}/api/tree/st?status=true`)).json()) as { streams: { path: string; status: Record<string, unknown> }[] };
        return Object.fromEntries(body.streams.map((stream) => [stream.path, stream.status]));
      };
      const listed = await waitFor(async () => {
        const now = await statuses(own.url);
        return now["/st/hook"]?.failing === true ? now : undefined;
      }, "the webhook to be failing");
      const lastAt = async (path: string) => (await readEvents(own.url, path)).at(-1)!.createdAt;
      expect(listed).toEqual({
        "/st/agent": { lastEventAt: await lastAt("/st/agent"), paused: false, failing: false, agent: true },
        "/st/hook": { lastEventAt: expect.any(String), paused: false, failing: true, agent: false },
        "/st/paused": { lastEventAt: await lastAt("/st/paused"), paused: true, failing: false, agent: false },
        "/st/plain": { lastEventAt: await lastAt("/st/plain"), paused: false, failing: false, agent: false },
      });
      // Without status=true the listing stays as it was.
      const plain = (await (await fetch(`${own.url}/api/tree/st`)).json()) as { streams: Record<string, unknown>[] };
      expect(plain.streams[0]).not.toHaveProperty("status");
      expect((await fetch(`${own.url}/api/tree/st?status=yes`)).status).toBe(400);

      // After a restart nothing is held in memory: the listing loads each stream's state itself.
      await own.close();
      const again = await startTestServer({ keepDataDir: true, dataDir: own.dataDir });
      try {
        const after = await statuses(again.url);
        expect(after["/st/agent"]).toMatchObject({ agent: true, paused: false });
        expect(after["/st/paused"]).toMatchObject({ paused: true, agent: false, lastEventAt: listed["/st/paused"]!.lastEventAt });
        expect(after["/st/plain"]).toMatchObject({ paused: false, failing: false, agent: false });
      } finally {
        await again.close();
      }
    } finally {
      await own.close().catch(() => undefined);
      rmSync(own.dataDir, { recursive: true, force: true });
    }
  });
});

describe("stream state", () => {
  it("reports the event count, children and the pause state", async () => {
    const state = await getJson("/api/state/org/team");
    expect(state).toMatchObject({ path: "/org/team", exists: true, eventCount: 3, lastOffset: 3, pause: null });
    expect(state.childPaths).toEqual(["/org/team/a", "/org/team/b"]);
    const missing = await getJson("/api/state/nope");
    expect(missing).toMatchObject({ exists: false, eventCount: 0 });
  });
});

describe("deleting streams", () => {
  it("refuses to delete a stream with children unless recursive", async () => {
    const response = await fetch(`${server.url}/api/streams/org/team/b`, { method: "DELETE" });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "has_children" });
  });

  it("deletes a subtree, tells the ancestors, ends live readers, and starts afresh on the next append", async () => {
    const reader = openReader(`${server.url}/api/streams/org/team/b?live=true`);
    await waitFor(() => reader.events().length === 2, "the backlog");
    const response = await fetch(`${server.url}/api/streams/org/team/b?recursive=true`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect((await response.json()).deletedPaths.sort()).toEqual(["/org/team/b", "/org/team/b/deep"]);
    await waitFor(() => reader.ended(), "the live reader to end");
    expect(await readEvents(server.url, "/org/team/b")).toEqual([]);
    const team = await readEvents(server.url, "/org/team");
    expect(team.at(-1)).toMatchObject({ type: "stream/child-deleted", payload: { childPath: "/org/team/b" } });
    const tree = await getJson("/api/tree/org/team");
    expect(tree.streams.map((s: { path: string }) => s.path)).toEqual(["/org/team/a"]);
    const again = await appendJson(server.url, "/org/team/b", { type: "reborn" });
    expect(await again.json()).toMatchObject({ offset: 1 });
    expect((await readEvents(server.url, "/org/team")).at(-1)).toMatchObject({ type: "stream/child-created", payload: { childPath: "/org/team/b" } });
  });

  it("answers 404 for a stream that does not exist", async () => {
    const response = await fetch(`${server.url}/api/streams/never/was`, { method: "DELETE" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "stream_not_found" });
  });
});

describe("consumer cursors", () => {
  it("stores and returns a named consumer's offset, 0 when unset", async () => {
    expect(await getJson("/api/cursors/org/team/a?consumer=mailer")).toMatchObject({ offset: 0, exists: false });
    const put = await fetch(`${server.url}/api/cursors/org/team/a?consumer=mailer`, { method: "PUT", body: JSON.stringify({ offset: 1 }) });
    expect(put.status).toBe(200);
    expect(await getJson("/api/cursors/org/team/a?consumer=mailer")).toMatchObject({ consumer: "mailer", offset: 1, exists: true });
  });

  it("answers a bad cursor body or consumer name with 400", async () => {
    const bad = await fetch(`${server.url}/api/cursors/org/team/a?consumer=mailer`, { method: "PUT", body: '{"offset":-1}' });
    expect(bad.status).toBe(400);
    const notJson = await fetch(`${server.url}/api/cursors/org/team/a?consumer=mailer`, { method: "PUT", body: "nope" });
    expect(await notJson.json()).toMatchObject({ code: "invalid_json" });
    const noName = await fetch(`${server.url}/api/cursors/org/team/a`);
    expect(noName.status).toBe(400);
  });
});

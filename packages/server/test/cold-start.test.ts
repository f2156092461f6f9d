import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { defaultBuiltins } from "../src/builtins/default-builtins.ts";
import { snapshotNameFor } from "../src/builtins/host/builtin-states.ts";
import { startTestServer, waitFor, type TestServer } from "../src/testing.ts";

// A long stream's first touch after a restart starts from the built-ins' state snapshot and folds only the
// events after it. (How fast that is, is for `npm run bench`; these tests show that it happens and is right.)
const snapshotEvery = 500;
const name = snapshotNameFor(defaultBuiltins);
const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir?: string): Promise<TestServer> {
  const server = await startTestServer({ keepDataDir: true, limits: { snapshotEvery }, ...(dataDir ? { dataDir } : {}) });
  if (!dataDir) dirs.push(server.dataDir);
  servers.push(server);
  return server;
}

async function append(server: TestServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/streams${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** A stream of `count` notes in batches, under a breaker limit high enough for the batches. */
async function longStream(server: TestServer, path: string, count: number): Promise<void> {
  expect((await append(server, path, { type: "circuit-breaker/configured", payload: { maxEvents: 1_000_000, windowSeconds: 1 } })).status).toBe(201);
  for (let done = 0; done < count; done += 250) {
    const events = Array.from({ length: Math.min(250, count - done) }, (_, i) => ({ type: "note", payload: { n: done + i } }));
    expect((await append(server, path, { events })).status).toBe(201);
  }
}

async function restart(server: TestServer): Promise<TestServer> {
  await server.close();
  servers.splice(servers.indexOf(server), 1);
  return start(server.dataDir);
}

describe("cold start from a snapshot of the built-ins' state", () => {
  it("stores a snapshot as events are folded, and after a restart the state is what it was", async () => {
    const path = "/cold/long";
    let server = await start();
    await longStream(server, path, 2_000);
    const snapshot = await waitFor(async () => {
      const stored = await server.parts.store.getSnapshot("default", path, name);
      return stored && stored.offset >= 1_500 ? stored : undefined;
    }, "a snapshot of the long stream");
    expect(JSON.parse(snapshot.json)).toHaveLength(defaultBuiltins.length);
    // The breaker's recent-event count is measured live, not folded from events, so it starts at 0 again.
    const eventSourced = async () => {
      const state = await (await fetch(`${server.url}/api/state${path}`)).json();
      delete state["circuit-breaker"].recentEvents;
      return state;
    };
    const before = await eventSourced();

    server = await restart(server);
    expect(await eventSourced()).toEqual(before);
    expect((await append(server, path, { type: "after-restart" })).status).toBe(201);
  });

  it("starts from the snapshot and folds the events after it, not the history before it", async () => {
    const path = "/cold/tail";
    let server = await start();
    // 601 events: one snapshot (at 501), and too few after it for the restarted server to store another. (With
    // more, a PostgreSQL server replaying recent commits on start could fold past the next snapshot point and store
    // its own snapshot over the one this test rewrites.)
    await longStream(server, path, 600);
    const snapshot = await waitFor(async () => server.parts.store.getSnapshot("default", path, name), "a snapshot");
    expect(snapshot.offset).toBe(501);
    server = await restart(server);

    // Rewrite the snapshot's pause state as "paused" (the events say otherwise): an append is then refused,
    // which only happens if the first touch starts from the snapshot rather than from offset 1.
    const states = JSON.parse(snapshot.json) as unknown[];
    states[0] = { paused: true, reason: "from the snapshot", offset: snapshot.offset, at: new Date().toISOString(), by: null };
    await server.parts.store.putSnapshot("default", path, name, { offset: snapshot.offset, json: JSON.stringify(states) });
    // A restarted server may already have loaded the stream (PostgreSQL replays recent commits on start):
    // drop what it holds, so the next touch loads from the stored snapshot.
    server.parts.builtins.forget("default", path);
    const refused = await append(server, path, { type: "note" });
    expect(refused.status).toBe(423);
    expect(await refused.json()).toMatchObject({ code: "stream_paused", reason: "from the snapshot" });

    // Events after the snapshot are folded on top of it: resume, restart, and the stream takes events.
    expect((await append(server, path, { type: "stream/resumed", payload: { reason: "checked" } })).status).toBe(201);
    server = await restart(server);
    expect((await append(server, path, { type: "note" })).status).toBe(201);
  });

  it("ignores a snapshot it cannot read and folds the whole history", async () => {
    const path = "/cold/broken";
    let server = await start();
    await longStream(server, path, 600);
    expect((await append(server, path, { type: "stream/paused", payload: { reason: "by hand" } })).status).toBe(201);
    server = await restart(server);
    await server.parts.store.putSnapshot("default", path, name, { offset: 1_000_000, json: "not json" });
    server.parts.builtins.forget("default", path);
    const refused = await append(server, path, { type: "note" });
    expect(await refused.json()).toMatchObject({ code: "stream_paused", reason: "by hand" });
  });
});

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { appendJson, openReader, readEvents, waitFor } from "./support/http.ts";
import { startPrivatePostgres, type PrivatePostgres } from "./support/postgres.ts";
import { spawnServer } from "./support/server-process.ts";

// Real server processes on a private PostgreSQL cluster of this file's own, which the tests restart, stop
// and kill connections on. Each test gets a fresh database.
let postgres: PrivatePostgres;
const dataDir = mkdtempSync(join(tmpdir(), "tributary-faults-"));
const running: { child: ChildProcess }[] = [];
beforeAll(async () => {
  postgres = await startPrivatePostgres();
});
afterEach(() => {
  for (const server of running.splice(0)) if (server.child.exitCode === null) server.child.kill("SIGKILL");
});
afterAll(async () => {
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Server = Awaited<ReturnType<typeof spawnServer>> & { name: string };

async function startServers(database: string, names: string[], leaseTtl: string): Promise<Server[]> {
  const servers: Server[] = [];
  for (const name of names) {
    const server = {
      ...(await spawnServer(dataDir, ["--database-url", database, "--lease-ttl", leaseTtl])),
      name,
    };
    running.push(server);
    servers.push(server);
    // The first server holds the built-ins lease before the others start, so the test knows the holder.
    if (servers.length === 1) await waitFor(async () => (await leaseHolder(database)) !== undefined, `${name} to take the lease`);
  }
  return servers;
}

async function leaseHolder(database: string): Promise<string | undefined> {
  const rows = await postgres.query<{ holder: string }>("SELECT holder FROM tributary_leases WHERE name = 'builtins' AND expires_at > now()", dbName(database));
  return rows[0]?.holder;
}

async function runsBuiltins(server: Server): Promise<boolean> {
  const health = (await (await fetch(`${server.url}/api/health`)).json()) as { builtins?: string };
  return health.builtins === "running";
}

const dbName = (database: string) => new URL(database).pathname.slice(1);

function expectAlive(servers: Server[]) {
  for (const server of servers) {
    expect(server.child.exitCode, `${server.name} exited:\n${server.output()}`).toBeNull();
    expect(server.output()).not.toMatch(/Unhandled|uncaught/i);
  }
}

/** A webhook receiver on a local port that records every delivery it gets. */
async function startReceiver() {
  const received: StoredEvent[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push(JSON.parse(body) as StoredEvent);
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** How often each offset was delivered, for those delivered more than once. */
    repeats: () => {
      const counts = new Map<number, number>();
      for (const event of received) counts.set(event.offset, (counts.get(event.offset) ?? 0) + 1);
      return [...counts].filter(([, count]) => count > 1);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Appends until the server accepts, treating 503 (with Retry-After) as "the database is away". */
async function appendUntilAccepted(url: string, path: string, body: Record<string, unknown>, outage: { refusals: number }) {
  for (;;) {
    const response = await appendJson(url, path, body).catch(() => undefined);
    if (response?.ok) return (await response.json()) as { offset: number };
    if (response) {
      const problem = (await response.json()) as { code: string };
      expect(response.status, JSON.stringify(problem)).toBe(503);
      expect(problem.code).toBe("storage_unavailable");
      expect(response.headers.get("retry-after")).toBe("1");
      outage.refusals += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("PostgreSQL faults", () => {
  it(
    "survives a database restart under load: no crash, every acknowledged append once, live readers and webhooks lose nothing",
    { timeout: 150_000 },
    async () => {
      const database = await postgres.createDatabase();
      // A lease longer than the restart: this test is about the database coming back, not about a handover.
      const servers = await startServers(database, ["a", "b", "c"], "10s");
      const receiver = await startReceiver();
      const readers = servers.map((server) => openReader(`${server.url}/api/streams/load/hooked?live=true`));
      // A reader of a server killed after a failed test ends with an error; that is not this test's finding.
      for (const reader of readers) reader.done.catch(() => undefined);
      try {
        await appendJson(servers[0]!.url, "/load/hooked", {
          type: "subscription/configured",
          payload: { slug: "hook", url: receiver.url, types: ["n"] },
        });
        const acknowledged: string[] = [];
        const outage = { refusals: 0 };
        let writing = true;
        const writers = Array.from({ length: 12 }, async (_, w) => {
          for (let i = 0; writing; i++) {
            const server = servers[(w + i) % servers.length]!;
            // The key makes a retry of an append whose answer was lost with the connection store it once.
            await appendUntilAccepted(server.url, "/load/hooked", { type: "n", payload: { w, i }, idempotencyKey: `${w}-${i}` }, outage);
            acknowledged.push(`${w}-${i}`);
          }
        });
        await waitFor(() => acknowledged.length >= 40, "40 appends before the restart", 60_000);
        await postgres.restart();
        const afterRestart = acknowledged.length;
        await waitFor(() => acknowledged.length >= afterRestart + 40, "40 more appends after the restart", 60_000);
        writing = false;
        await Promise.all(writers);

        expectAlive(servers);
        const stored = (await readEvents(servers[1]!.url, "/load/hooked")).filter((event) => event.type === "n");
        const keys = stored.map((event) => `${event.payload.w}-${event.payload.i}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(keys)).toEqual(new Set(acknowledged));
        const last = stored.at(-1)!.offset;
        const dense = Array.from({ length: last }, (_, i) => i + 1);
        for (const reader of readers) await waitFor(() => reader.events().at(-1)?.offset === last, "every live reader to reach the last event", 20_000);
        for (const reader of readers) expect(reader.events().map((event) => event.offset)).toEqual(dense);
        await waitFor(() => new Set(receiver.received.map((event) => event.offset)).size >= stored.length, "a delivery of every event", 30_000);
        expect(new Set(receiver.received.map((event) => event.offset))).toEqual(new Set(stored.map((event) => event.offset)));
        expect(receiver.repeats(), servers.map((server) => server.output()).join("\n")).toEqual([]);
      } finally {
        for (const reader of readers) reader.close();
        await receiver.close();
      }
    },
  );

  it("answers 503 with Retry-After through an outage longer than the lease, keeps one holder, and recovers by itself", { timeout: 150_000 }, async () => {
    const database = await postgres.createDatabase();
    const [a, b] = await startServers(database, ["a", "b"], "2s");
    const receiver = await startReceiver();
    try {
      await appendJson(a!.url, "/outage/hooked", {
        type: "subscription/configured",
        payload: { slug: "hook", url: receiver.url, types: ["n"] },
      });
      for (let i = 0; i < 5; i++)
        await appendJson(b!.url, "/outage/hooked", {
          type: "n",
          payload: { i },
        });
      await waitFor(() => receiver.received.length === 5, "five deliveries before the outage");
      expect((await (await fetch(`${a!.url}/api/health?ready`)).json()) as unknown).toMatchObject({ ok: true, ready: true, database: { ok: true } });

      await postgres.stopServer();
      const refused = await appendJson(a!.url, "/outage/hooked", {
        type: "n",
        payload: { i: -1 },
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(await refused.json()).toMatchObject({
        code: "storage_unavailable",
      });
      // The Durable Streams face answers the same way: its metadata lives in the database too.
      const dsRequests: [string, RequestInit][] = [
        ["/v1/stream/outage/bytes", { method: "PUT", headers: { "content-type": "application/octet-stream" } }],
        ["/v1/stream/outage/bytes", { method: "HEAD" }],
        ["/v1/stream/outage/bytes?offset=-1", { method: "GET" }],
        ["/v1/stream/outage/bytes", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: "x" }],
        ["/v1/stream/outage/bytes", { method: "DELETE" }],
      ];
      for (const [path, init] of dsRequests) {
        const answer = await fetch(`${b!.url}${path}`, init);
        expect([init.method, path, answer.status, answer.headers.get("retry-after")]).toEqual([init.method, path, 503, "1"]);
        if (init.method !== "HEAD") expect(await answer.json()).toMatchObject({ code: "storage_unavailable" });
      }
      const notReady = await fetch(`${b!.url}/api/health?ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        ok: true,
        ready: false,
        database: { ok: false },
      });
      expect((await fetch(`${b!.url}/api/health`)).status).toBe(200);
      // The outage lasts until the holder has stopped by its own deadline (longer than the TTL).
      await waitFor(async () => !(await runsBuiltins(a!)) && !(await runsBuiltins(b!)), "neither server to run the built-ins any more", 30_000);
      await postgres.startServer();

      const outage = { refusals: 0 };
      for (let i = 5; i < 25; i++) await appendUntilAccepted(i % 2 ? a!.url : b!.url, "/outage/hooked", { type: "n", payload: { i } }, outage);
      await waitFor(() => receiver.received.length >= 25, "deliveries of all 25 events after the outage", 30_000);
      await waitFor(async () => (await fetch(`${a!.url}/api/health?ready`)).status === 200, "server a to be ready again");
      expectAlive([a!, b!]);
      const stored = (await readEvents(a!.url, "/outage/hooked")).filter((event) => event.type === "n");
      expect(stored).toHaveLength(25);
      expect(receiver.received.map((event) => event.offset)).toEqual(stored.map((event) => event.offset));
      expect(receiver.repeats()).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("a holder stalled past its lease does not fire a schedule when it resumes, and holds the lease again later", { timeout: 150_000 }, async () => {
    const database = await postgres.createDatabase();
    const servers = await startServers(database, ["a", "b"], "2s");
    // Under load a lease can change hands before the test begins; what counts is who holds it now.
    const stalled = await waitFor(async () => {
      const running = await Promise.all(servers.map(runsBuiltins));
      return running.filter(Boolean).length === 1 ? servers[running.indexOf(true)] : undefined;
    }, "one server to run the built-ins");
    const other = servers.find((server) => server !== stalled)!;
    const dueAt = Date.now() + 3000;
    const configured = await appendJson(stalled.url, "/stall/timer", {
      type: "schedule/configured",
      payload: { slug: "once", event: { type: "fired" }, schedule: { kind: "once-at", at: new Date(dueAt).toISOString() } },
    });
    expect(configured.status).toBe(201);
    await waitFor(
      async () => JSON.stringify(await (await fetch(`${stalled.url}/api/state/stall/timer`)).json()).includes('"once"'),
      "the holder to arm the schedule",
    );

    stalled.child.kill("SIGSTOP");
    try {
      await waitFor(() => runsBuiltins(other), "the other server to take the lease", 30_000);
      await waitFor(
        async () => (await readEvents(other.url, "/stall/timer")).some((event) => event.type === "fired"),
        "the other server to fire the schedule",
        30_000,
      );
      // Resume the stalled holder well past the due time, so a firing of its own would be a late one (a
      // different due time, so idempotency would not hide it).
      await waitFor(() => Date.now() > dueAt + 2000, "the due time to be two seconds past");
    } finally {
      stalled.child.kill("SIGCONT");
    }
    await waitFor(() => /stopped acting under the lease/.test(stalled.output()), "the resumed server to step down");
    // A round trip through it: its timers due at resumption have run by now.
    await appendJson(stalled.url, "/stall/timer", { type: "probe" });
    await readEvents(stalled.url, "/stall/timer");
    expect((await readEvents(other.url, "/stall/timer")).filter((event) => event.type === "fired")).toHaveLength(1);

    // The server that stepped down competes again: when the other goes away, it holds the lease and fires.
    other.child.kill("SIGTERM");
    await waitFor(() => other.child.exitCode !== null, "the other server to stop");
    await appendJson(stalled.url, "/stall/later", {
      type: "schedule/configured",
      payload: { slug: "soon", event: { type: "fired" }, schedule: { kind: "once-in", seconds: 0.2 } },
    });
    await waitFor(
      async () => (await readEvents(stalled.url, "/stall/later")).some((event) => event.type === "fired"),
      "the resumed server to fire as the holder again",
      30_000,
    );
    expect((await readEvents(stalled.url, "/stall/later")).filter((event) => event.type === "fired")).toHaveLength(1);
    expect(await runsBuiltins(stalled)).toBe(true);
    expectAlive([stalled]);
  });

  it(
    "re-establishes a killed LISTEN connection and delivers what was committed meanwhile, to live readers and to the holder's webhooks",
    { timeout: 150_000 },
    async () => {
      const database = await postgres.createDatabase();
      const [a, b] = await startServers(database, ["a", "b"], "2s");
      const receiver = await startReceiver();
      const reader = openReader(`${b!.url}/api/streams/listen/feed?live=true`);
      reader.done.catch(() => undefined);
      try {
        await appendJson(a!.url, "/listen/feed", { type: "before" });
        await waitFor(() => reader.events().length === 1, "the first event on server b");
        const listeners = `SELECT pid FROM pg_stat_activity WHERE datname = '${dbName(database)}' AND query LIKE 'LISTEN%'`;
        expect(await postgres.query(listeners)).toHaveLength(2);
        await postgres.query(`SELECT pg_terminate_backend(pid) FROM (${listeners}) l`);

        for (let i = 0; i < 5; i++)
          await appendJson(a!.url, "/listen/feed", {
            type: "meanwhile",
            payload: { i },
          });
        // Server a holds the lease: a subscription configured and fed through b must still be delivered by a.
        await appendJson(b!.url, "/listen/hooked", {
          type: "subscription/configured",
          payload: { slug: "hook", url: receiver.url, types: ["n"] },
        });
        for (let i = 0; i < 3; i++)
          await appendJson(b!.url, "/listen/hooked", {
            type: "n",
            payload: { i },
          });
        await waitFor(() => reader.events().length === 6, "the events committed meanwhile on server b");
        await waitFor(() => receiver.received.length === 3, "three deliveries from server a");
        await waitFor(async () => (await postgres.query(listeners)).length === 2, "both servers to LISTEN again");
        await appendJson(a!.url, "/listen/feed", { type: "after" });
        await waitFor(() => reader.events().length === 7, "an event after the reconnection");
        expect(reader.events().map((event) => event.offset)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(receiver.repeats()).toEqual([]);
        expectAlive([a!, b!]);
      } finally {
        reader.close();
        await receiver.close();
      }
    },
  );
});

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { ownerOf } from "../src/cluster/rendezvous.ts";
import { signForward } from "../src/cluster/signature.ts";
import type { RoutingCounts } from "../src/cluster/write-router.ts";
import { createPostgresStore } from "../src/store/postgres/postgres-store.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, openReader, readEvents, waitFor } from "./support/http.ts";
import { startPrivatePostgres, type PrivatePostgres } from "./support/postgres.ts";
import { createCpuCap } from "./support/cpu-cap.ts";
import { spawnServer } from "./support/server-process.ts";

// Routing a contended stream's writes to one server (cluster/write-router.ts), on a private PostgreSQL
// cluster of this file's own: three real servers per test on a fresh database.
const secret = "cluster-routing-test-secret";
let postgres: PrivatePostgres;
const dataDir = mkdtempSync(join(tmpdir(), "tributary-routing-"));
const children: ChildProcess[] = [];
beforeAll(async () => {
  postgres = await startPrivatePostgres();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const forwarded = (servers: TestServer[]) => servers.reduce((sum, server) => sum + (server.routing?.().forwarded ?? 0), 0);

async function startRoutedServers(count: number, options: { contendedMs?: number } = {}): Promise<TestServer[]> {
  const database = await postgres.createDatabase();
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    servers.push(
      await startTestServer({ store: await createPostgresStore({ connectionString: database }), cluster: { secret, ...options }, circuitBreaker: false }),
    );
  }
  await waitFor(() => servers.every((server) => server.routing?.().members === count), `every server to see ${count} members`);
  return servers;
}

/** Appends `rounds` events from each of `clients` clients (one at a time each), the clients spread over `urls`. */
async function appendFromClients(urls: string[], path: string, clients: number, rounds: number, tag: string) {
  const acknowledged: string[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let round = 0; round < rounds; round++) {
        const id = `${tag}-${client}-${round}`;
        const response = await appendJson(urls[client % urls.length]!, path, { type: "n", payload: { id } });
        expect(response.status, await response.clone().text()).toBe(201);
        acknowledged.push(id);
      }
    }),
  );
  return acknowledged;
}

/** The write routing's figures in a server process's health answer. */
async function routing(server: { url: string }): Promise<RoutingCounts> {
  return ((await (await fetch(`${server.url}/api/health`)).json()) as { routing: RoutingCounts }).routing;
}

/** `count` routed `tributary serve` processes on a fresh database. */
async function spawnRoutedServers(count: number) {
  const database = await postgres.createDatabase();
  const servers: { url: string; child: ChildProcess; output: () => string }[] = [];
  for (let i = 0; i < count; i++) {
    const server = await spawnServer(dataDir, ["--database-url", database, "--cluster-secret", secret, "--circuit-breaker", "off"]);
    children.push(server.child);
    servers.push(server);
  }
  return { database, servers };
}

/** Which of `servers` owns `path` (a stream that exists), by the membership rows, as every server computes it. */
async function ownerAmong<T extends { url: string }>(servers: T[], database: string, path: string): Promise<T> {
  const name = new URL(database).pathname.slice(1);
  const { project } = (await postgres.query<{ project: string }>(`SELECT project FROM tributary_streams WHERE path = '${path}'`, name))[0]!;
  const members = await waitFor(async () => {
    const rows = await postgres.query<{ id: string; url: string }>("SELECT id, url FROM tributary_servers", name);
    return rows.length === servers.length && rows;
  }, `${servers.length} membership rows`);
  const owner = ownerOf(members, `${project}\u0000${path}`);
  return servers.find((server) => server.url === owner.url)!;
}

describe("routing a stream's writes to one server", () => {
  it("stores appends through three servers to one stream densely, each once, in order on every server's live readers", async () => {
    const servers = await startRoutedServers(3, { contendedMs: 60_000 });
    try {
      const path = "/shared/hot";
      await appendJson(servers[0]!.url, path, { type: "n", payload: { id: "first" } });
      const readers = servers.map((server) => openReader(`${server.url}/api/streams${path}?live=true`));
      const acknowledged = await appendFromClients(
        servers.map((server) => server.url),
        path,
        12,
        25,
        "a",
      );
      const total = acknowledged.length + 1;
      const stored = await readEvents(servers[1]!.url, path);
      expect(stored.map((event) => event.offset)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const ids = stored.map((event) => (event.payload as { id: string }).id);
      expect(new Set(ids).size).toBe(total);
      expect([...ids].sort()).toEqual(["first", ...acknowledged].sort());
      // The stream was contended, so the servers that do not own it forwarded to the one that does.
      expect(forwarded(servers)).toBeGreaterThan(0);
      expect(servers.reduce((sum, server) => sum + (server.routing?.().handledAppends ?? 0), 0)).toBeGreaterThan(0);
      await waitFor(() => readers.every((reader) => reader.events().length === total), `${total} events on every server's live reader`);
      for (const reader of readers) {
        expect(reader.events().map((event) => event.offset)).toEqual(stored.map((event) => event.offset));
        expect(reader.events().map((event) => (event.payload as { id: string }).id)).toEqual(ids);
        reader.close();
      }
    } finally {
      for (const server of servers) await server.close();
    }
  });

  it("stores a forwarded idempotent retry once", async () => {
    const servers = await startRoutedServers(3, { contendedMs: 60_000 });
    try {
      const path = "/shared/keyed";
      // Each server sees another's commit between two of its own: the stream is contended everywhere.
      for (let round = 0; round < 3; round++) for (const server of servers) await appendJson(server.url, path, { type: "n", payload: { round } });
      const before = forwarded(servers);
      const answers: StoredEvent[] = [];
      for (const server of [...servers, ...servers]) {
        const response = await appendJson(server.url, path, { type: "order", payload: { n: 1 }, idempotencyKey: "order-1" });
        expect(response.status).toBeLessThan(300);
        answers.push((await response.json()) as StoredEvent);
      }
      // Two of the three servers are not the owner: their four appends were forwarded.
      expect(forwarded(servers) - before).toBe(4);
      const stored = (await readEvents(servers[0]!.url, path)).filter((event) => event.type === "order");
      expect(stored).toHaveLength(1);
      expect(new Set(answers.map((event) => event.offset))).toEqual(new Set([stored[0]!.offset]));
    } finally {
      for (const server of servers) await server.close();
    }
  });

  it("appends a pause on a routed stream on the server that takes it, so its next append is refused at once", async () => {
    const servers = await startRoutedServers(3, { contendedMs: 60_000 });
    try {
      for (const [index, server] of servers.entries()) {
        // A stream of its own per server, contended on every server, so no other server's pause is in the way.
        const path = `/shared/paused-${index}`;
        for (let round = 0; round < 3; round++) for (const other of servers) await appendJson(other.url, path, { type: "n", payload: { round } });
        const direct = server.routing!().direct;
        expect((await appendJson(server.url, path, { type: "stream/paused", payload: { reason: "test" } })).status).toBe(201);
        expect(server.routing!().direct).toBe(direct + 1);
        expect((await appendJson(server.url, path, { type: "n", payload: {} })).status).toBe(423);
      }
      expect(forwarded(servers)).toBeGreaterThan(0);
    } finally {
      for (const server of servers) await server.close();
    }
  });

  it("refuses a link without the cluster's secret", async () => {
    const servers = await startRoutedServers(1);
    try {
      const { port } = new URL(servers[0]!.url);
      // The status a request asking for an upgrade gets: 101 when the server switches protocols.
      const upgradeStatus = (path: string, headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const request = http.request({ host: "127.0.0.1", port, path, headers });
          request.on("upgrade", (_response, socket) => {
            socket.destroy();
            resolve(101);
          });
          request.on("response", (response) => {
            response.resume();
            resolve(response.statusCode!);
          });
          request.on("error", reject);
          request.end();
        });
      const upgrade = (headers: Record<string, string>) =>
        upgradeStatus("/internal/cluster/link", { connection: "Upgrade", upgrade: "tributary-cluster", ...headers });
      const time = String(Date.now());
      expect(await upgrade({})).toBe(401);
      expect(
        await upgrade({
          "x-tributary-cluster-from": "x",
          "x-tributary-cluster-time": time,
          "x-tributary-cluster-signature": signForward("another secret", time, "x"),
        }),
      ).toBe(401);
      // An old signature is a replay.
      const old = String(Date.now() - 600_000);
      expect(
        await upgrade({ "x-tributary-cluster-from": "x", "x-tributary-cluster-time": old, "x-tributary-cluster-signature": signForward(secret, old, "x") }),
      ).toBe(401);
      expect(
        await upgrade({ "x-tributary-cluster-from": "x", "x-tributary-cluster-time": time, "x-tributary-cluster-signature": signForward(secret, time, "x") }),
      ).toBe(101);
      // The API beside it is unchanged, also for a request that asks for another upgrade.
      expect((await fetch(`${servers[0]!.url}/api/health`)).status).toBe(200);
      const h2c = await upgradeStatus("/api/health", { connection: "Upgrade, HTTP2-Settings", upgrade: "h2c", "http2-settings": "" });
      expect(h2c).toBe(200);
    } finally {
      for (const server of servers) await server.close();
    }
  });

  it("appends directly when the owner refuses this server's secret", async () => {
    const database = await postgres.createDatabase();
    const servers = [
      await startTestServer({
        store: await createPostgresStore({ connectionString: database }),
        cluster: { secret, contendedMs: 60_000 },
        circuitBreaker: false,
      }),
      await startTestServer({
        store: await createPostgresStore({ connectionString: database }),
        cluster: { secret: "a different secret", contendedMs: 60_000 },
        circuitBreaker: false,
      }),
    ];
    try {
      await waitFor(() => servers.every((server) => server.routing?.().members === 2), "both servers to see each other");
      const acknowledged = await appendFromClients(
        servers.map((server) => server.url),
        "/shared/mixed",
        6,
        10,
        "m",
      );
      const stored = await readEvents(servers[0]!.url, "/shared/mixed");
      expect(stored.map((event) => event.offset)).toEqual(Array.from({ length: acknowledged.length }, (_, i) => i + 1));
      expect(stored.map((event) => (event.payload as { id: string }).id).sort()).toEqual(acknowledged.sort());
    } finally {
      for (const server of servers) await server.close();
    }
  });

  it("loses no acknowledged append when the owner is killed mid-run, and the others carry on", async () => {
    const { database, servers } = await spawnRoutedServers(3);
    const path = "/shared/failover";
    await appendJson(servers[0]!.url, path, { type: "n", payload: { id: "first" } });
    const victim = await ownerAmong(servers, database, path);
    const survivors = servers.filter((server) => server !== victim);

    const acknowledged: string[] = [];
    const statuses = new Set<number>();
    let killed = false;
    let afterKill = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, client) => {
        const server = servers[client % 3]!;
        for (let round = 0; ; round++) {
          if (server === victim && killed) return;
          if (server !== victim && afterKill >= 120) return;
          const id = `f-${client}-${round}`;
          let status: number;
          try {
            status = (await appendJson(server.url, path, { type: "n", payload: { id } })).status;
          } catch {
            // The killed server's own clients lose their connection.
            expect(server).toBe(victim);
            return;
          }
          statuses.add(status);
          if (status === 201) {
            acknowledged.push(id);
            if (killed && server !== victim) afterKill += 1;
          }
          // Killed once it has handled forwarded appends, so some are on their way to it when it dies.
          if (!killed && acknowledged.length >= 150 && ((await routing(victim).catch(() => undefined))?.handledAppends ?? 0) > 0) {
            killed = true;
            victim.child.kill("SIGKILL");
          }
        }
      }),
    );
    // Only stored (201) or "may or may not be stored, retry" (503): never a 500.
    expect([...statuses].filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(afterKill).toBeGreaterThanOrEqual(120);
    const stored = await readEvents(survivors[0]!.url, path);
    expect(stored.map((event) => event.offset)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    const ids = stored.map((event) => (event.payload as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of acknowledged) expect(ids).toContain(id);
    for (const survivor of survivors) expect(survivor.child.exitCode, survivor.output()).toBeNull();

    // Once the killed owner's row is stale, the stream has a new owner among the two left, and the other routes to it.
    await waitFor(async () => (await Promise.all(survivors.map(routing))).every((figures) => figures.members === 2), "the survivors to see two members");
    const before = (await Promise.all(survivors.map(routing))).reduce((sum, figures) => sum + figures.forwarded, 0);
    const more = await appendFromClients(
      survivors.map((server) => server.url),
      path,
      8,
      20,
      "g",
    );
    const after = (await Promise.all(survivors.map(routing))).reduce((sum, figures) => sum + figures.forwarded, 0);
    expect(after).toBeGreaterThan(before);
    const final = await readEvents(survivors[1]!.url, path);
    expect(final.map((event) => event.offset)).toEqual(Array.from({ length: final.length }, (_, i) => i + 1));
    const finalIds = final.map((event) => (event.payload as { id: string }).id);
    expect(new Set(finalIds).size).toBe(finalIds.length);
    for (const id of [...acknowledged, ...more]) expect(finalIds).toContain(id);
  });

  it("sends a stream's appends directly while its owner is at its CPU quota (a real cgroup), and routes them again once it is not", async () => {
    const { database, servers } = await spawnRoutedServers(3);
    const path = "/shared/quota";
    await appendJson(servers[0]!.url, path, { type: "n", payload: { id: "first" } });
    const owner = await ownerAmong(servers, database, path);
    const others = servers.filter((server) => server !== owner);
    const cap = createCpuCap(`tributary-routing-test-${process.pid}`, 0.1);
    if (typeof cap === "string") throw new Error(`this test puts a server under a real CPU quota and cannot make one here: ${cap}`);
    const acknowledged: string[] = [];
    let tag = 0;
    /** Appends from 12 clients (4 on each server) until `enough` holds (checked after every tenth append of each), for at most 20 s. */
    const appendUntil = async (enough: () => Promise<boolean>, what: string) => {
      let done = false;
      let met = false;
      const round = tag++;
      const deadline = Date.now() + 20_000;
      await Promise.all(
        Array.from({ length: 12 }, async (_, client) => {
          for (let i = 0; !done && Date.now() < deadline; i++) {
            const id = `q${round}-${client}-${i}`;
            const response = await appendJson(servers[client % 3]!.url, path, { type: "n", payload: { id } });
            expect(response.status, await response.clone().text()).toBe(201);
            acknowledged.push(id);
            if (!done && i % 10 === 9 && (await enough())) done = met = true;
          }
        }),
      );
      expect(met, `within 20 s of appends: ${what}`).toBe(true);
    };
    const figures = async () => {
      const all = await Promise.all(others.map(routing));
      return {
        busyAnswers: all.reduce((sum, item) => sum + item.busyAnswers, 0),
        forwarded: all.reduce((sum, item) => sum + item.forwarded, 0),
        direct: all.reduce((sum, item) => sum + item.direct, 0),
      };
    };
    try {
      cap.add(owner.child.pid!);
      // Capped at a tenth of a core, the owner is held back by its quota: the others hear it on its answers.
      await appendUntil(async () => (await figures()).busyAnswers > 0, "an answer from the owner saying it is at its quota");
      expect(cap.throttled().throttledPeriods).toBeGreaterThan(0);
      const capped = await figures();
      await appendUntil(async () => (await figures()).direct >= capped.direct + 300, "300 more direct appends on the others");
      const whileCapped = await figures();
      // Each of the two others appends directly for 2 s after a busy answer, so at most a frame or two of its
      // four clients' appends went to the owner meanwhile.
      expect(whileCapped.direct - capped.direct).toBeGreaterThanOrEqual(300);
      expect(whileCapped.forwarded - capped.forwarded).toBeLessThan((whileCapped.direct - capped.direct) / 4);

      // The quota lifted: once the back-off is over, the contended stream is routed to its owner again.
      cap.setCores(undefined);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const lifted = await figures();
      await appendUntil(async () => (await figures()).forwarded >= lifted.forwarded + 300, "300 more forwarded appends");
      const after = await figures();
      expect(after.forwarded - lifted.forwarded).toBeGreaterThanOrEqual(300);
      expect(after.direct - lifted.direct).toBeLessThan((after.forwarded - lifted.forwarded) / 4);
      expect(after.busyAnswers).toBe(lifted.busyAnswers);

      // Whichever way each append went, the stream holds every acknowledged one once, densely.
      const stored = await readEvents(others[0]!.url, path);
      expect(stored.map((event) => event.offset)).toEqual(Array.from({ length: acknowledged.length + 1 }, (_, i) => i + 1));
      const ids = stored.map((event) => (event.payload as { id: string }).id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(["first", ...acknowledged].sort());
    } finally {
      cap.remove();
      for (const server of servers) server.child.kill("SIGKILL");
    }
  });

  it("carries on through a database restart with routing on: no crash, every acknowledged append once, routing again after", async () => {
    const servers = await startRoutedServers(3, { contendedMs: 60_000 });
    try {
      const path = "/shared/restart";
      await appendJson(servers[0]!.url, path, { type: "n", payload: { id: "first" } });
      const acknowledged: string[] = ["first"];
      const statuses = new Set<number>();
      let restarted = false;
      let afterRestart = 0;
      const clients = Array.from({ length: 9 }, async (_, client) => {
        const server = servers[client % 3]!;
        for (let round = 0; afterRestart < 90; round++) {
          const id = `r-${client}-${round}`;
          const response = await appendJson(server.url, path, { type: "n", payload: { id } });
          statuses.add(response.status);
          if (response.status !== 201) continue;
          acknowledged.push(id);
          if (restarted) afterRestart += 1;
        }
      });
      await waitFor(() => acknowledged.length >= 100, "100 appends before the restart", 60_000);
      const forwardedBefore = forwarded(servers);
      expect(forwardedBefore).toBeGreaterThan(0);
      await postgres.restart();
      restarted = true;
      await Promise.all(clients);
      // Stored (201) or "may or may not be stored, retry" (503): never a 500.
      expect([...statuses].filter((status) => status !== 201 && status !== 503)).toEqual([]);
      const stored = await readEvents(servers[2]!.url, path);
      expect(stored.map((event) => event.offset)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      const ids = stored.map((event) => (event.payload as { id: string }).id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of acknowledged) expect(ids).toContain(id);
      await waitFor(() => servers.every((server) => server.routing?.().members === 3), "every server to see three members again");
      const before = forwarded(servers);
      await appendFromClients(
        servers.map((server) => server.url),
        path,
        6,
        10,
        "after",
      );
      expect(forwarded(servers)).toBeGreaterThan(before);
    } finally {
      for (const server of servers) await server.close();
    }
  });
});

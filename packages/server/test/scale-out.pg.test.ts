import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DurableStream, stream, type JsonBatch } from "@durable-streams/client";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/store/postgres/postgres-store.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, openReader, readEvents, waitFor } from "./support/http.ts";
import { startPrivatePostgres, type PrivatePostgres } from "./support/postgres.ts";

let postgres: PrivatePostgres;
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  postgres = await startPrivatePostgres();
  const database = await postgres.createDatabase();
  a = await startTestServer({ store: await createPostgresStore({ connectionString: database }), leaseTtlMs: 3000 });
  // Server a holds the built-ins lease before b starts, so b is the standby.
  // (Asked of the server itself: probing the lease from outside could take it first and hold it.)
  await waitFor(() => a.parts.runsBuiltins?.() === true, "server a to hold the lease", 30_000);
  b = await startTestServer({ store: await createPostgresStore({ connectionString: database }), leaseTtlMs: 3000 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await postgres?.stop();
});

describe("several servers on one PostgreSQL database", () => {
  it("delivers an event appended through one server to live readers on the other", async () => {
    const reader = openReader(`${b.url}/api/streams/shared/agent?live=true`);
    await appendJson(a.url, "/shared/agent", { type: "hello", payload: { from: "a" } });
    await waitFor(() => reader.events().length === 1, "the event on server b");
    expect(reader.events()[0]).toMatchObject({ type: "hello", offset: 1, payload: { from: "a" } });
    reader.close();
  });

  it("wakes a Durable Streams SSE reader on the server without the lease for an append through the other", async () => {
    // A Durable Streams byte stream (a shadow project no built-in serves): b neither holds the lease nor
    // appends to it, so only the SSE reader's wait makes b follow it.
    const url = (server: TestServer) => `${server.url}/v1/stream/shared/ds-live`;
    const writer = await DurableStream.create({ url: url(a), contentType: "application/json" });
    await writer.append(JSON.stringify({ n: 1 }));
    const seen: unknown[] = [];
    const response = await stream<{ n: number }>({ url: url(b), offset: "-1", live: "sse" });
    const unsubscribe = response.subscribeJson(async (batch: JsonBatch<{ n: number }>) => {
      seen.push(...batch.items);
    });
    try {
      await waitFor(() => seen.length === 1, "the SSE reader on b to see the first message");
      await writer.append(JSON.stringify({ n: 2 }));
      // Sooner than the 20 s the SSE loop waits for a change, so only a wake from b's commit feed gets it there in time.
      await waitFor(() => seen.length === 2, "the SSE reader on b to see the second message", 10_000);
      expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      unsubscribe();
      response.cancel();
    }
  });

  it("trips the circuit breaker from the lease holder on a stream written only through the other server", async () => {
    // a holds the lease and never appends to or reads this stream: it must follow every stream to count.
    const path = "/shared/runaway";
    await appendJson(b.url, path, { type: "circuit-breaker/configured", payload: { maxEvents: 3, windowSeconds: 600 } });
    for (let i = 0; i < 6; i++) await appendJson(b.url, path, { type: "n", payload: { i } }).catch(() => undefined);
    const paused = await waitFor(
      async () => (await readEvents(b.url, path)).find((event) => event.type === "stream/paused"),
      "the breaker's stream/paused on the stream",
    );
    expect(paused.payload).toMatchObject({ by: "circuit-breaker" });
  });

  it("keeps offsets dense and ordered for live readers when both servers append concurrently", async () => {
    const readerA = openReader(`${a.url}/api/streams/shared/busy?live=true`);
    const readerB = openReader(`${b.url}/api/streams/shared/busy?live=true`);
    await Promise.all(Array.from({ length: 100 }, (_, i) => appendJson(i % 2 === 0 ? a.url : b.url, "/shared/busy", { type: "n", payload: { i } })));
    const expected = Array.from({ length: 100 }, (_, i) => i + 1);
    await waitFor(() => readerA.events().length === 100 && readerB.events().length === 100, "100 events on both servers");
    expect(readerA.events().map((e) => e.offset)).toEqual(expected);
    expect(readerB.events().map((e) => e.offset)).toEqual(expected);
    expect(new Set((await readEvents(a.url, "/shared/busy")).map((e) => e.payload.i)).size).toBe(100);
    readerA.close();
    readerB.close();
  });

  it("honours an idempotency key across servers and a pause made through the other server", async () => {
    const first = await appendJson(a.url, "/shared/idem", { type: "charge", idempotencyKey: "k1" });
    const second = await appendJson(b.url, "/shared/idem", { type: "charge", idempotencyKey: "k1" });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(await first.json());
    await appendJson(a.url, "/shared/idem", { type: "stream/paused", payload: { reason: "from a" } });
    await waitFor(async () => (await appendJson(b.url, "/shared/idem", { type: "x" })).status === 423, "server b to refuse appends");
  });
});

describe("built-ins on several servers", () => {
  it("delivers each webhook once from the lease holder, and fails over to the other server when it stops", async () => {
    const received: { offset: number; type: string }[] = [];
    const receiver = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push(JSON.parse(body));
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      await appendJson(b.url, "/shared/hooked", { type: "subscription/configured", payload: { slug: "hook", url, types: ["note"] } });
      for (let i = 0; i < 10; i++) await appendJson(i % 2 ? a.url : b.url, "/shared/hooked", { type: "note", payload: { i } });
      await waitFor(() => received.length >= 10, "ten deliveries");
      // Give a second deliverer (there must be none) the time to show itself before counting.
      await appendJson(a.url, "/shared/hooked", { type: "note", payload: { i: 10 } });
      await waitFor(() => received.length >= 11, "the eleventh delivery");
      expect(received.map((event) => event.offset)).toEqual(Array.from({ length: 11 }, (_, i) => i + 2));

      await a.close();
      for (let i = 11; i < 15; i++) await appendJson(b.url, "/shared/hooked", { type: "note", payload: { i } });
      await waitFor(() => received.some((event) => event.offset === 16), "deliveries from server b after the failover");
      const offsets = received.map((event) => event.offset);
      expect([...new Set(offsets)]).toEqual(Array.from({ length: 15 }, (_, i) => i + 2));
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    } finally {
      receiver.close();
    }
  });
});

describe("tokens on several servers", () => {
  it("keeps tokens in PostgreSQL, hashed: one made through one server works on the other, and its revocation reaches it", async () => {
    const database = await postgres.createDatabase();
    const adminToken = "scale-out-admin-token-0123456789abcdef";
    const first = await startTestServer({ store: await createPostgresStore({ connectionString: database }), auth: true, adminToken, rateLimit: false });
    const second = await startTestServer({ store: await createPostgresStore({ connectionString: database }), auth: true, adminToken, rateLimit: false });
    try {
      const as = (token: string, init: RequestInit = {}) => ({ ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
      const created = await fetch(`${first.url}/api/tokens`, as(adminToken, { method: "POST", body: JSON.stringify({ name: "ci", scopes: ["append:/ci"] }) }));
      expect(created.status).toBe(201);
      const { id, token } = (await created.json()) as { id: string; token: string };
      const appended = await appendJson(second.url, "/ci/build", { type: "built" }, { authorization: `Bearer ${token}` });
      expect(appended.status).toBe(201);
      expect(await appended.json()).toMatchObject({ appendedBy: { kind: "token", id, name: "ci" } });
      expect((await appendJson(second.url, "/elsewhere", { type: "x" }, { authorization: `Bearer ${token}` })).status).toBe(403);
      const listed = (await (await fetch(`${second.url}/api/tokens`, as(adminToken))).json()) as { tokens: { id: string }[] };
      expect(listed.tokens.map((entry) => entry.id)).toContain(id);
      // Only the hash is in the database: the token itself appears in no row.
      const probe = new pg.Client({ connectionString: database });
      await probe.connect();
      try {
        const { rows } = await probe.query("SELECT value FROM tributary_secrets WHERE name = $1", [id]);
        expect(rows).toHaveLength(1);
        expect(rows[0].value).not.toContain(token);
        expect(JSON.parse(rows[0].value)).toMatchObject({
          id,
          name: "ci",
          hash: createHash("sha256").update(token).digest("hex"),
          scopes: [{ kind: "append", project: "default", path: "/ci" }],
        });
      } finally {
        await probe.end();
      }
      expect((await fetch(`${first.url}/api/tokens/${id}`, as(adminToken, { method: "DELETE" }))).status).toBe(200);
      await waitFor(
        async () => (await appendJson(second.url, "/ci/build", { type: "built" }, { authorization: `Bearer ${token}` })).status === 401,
        "the revocation on the other server",
      );
    } finally {
      await first.close();
      await second.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";

const adminToken = "operator-chosen-admin-token-0123456789";
let server: TestServer;

const call = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body ? { "content-type": "application/json" } : {}),
      ...(init.headers as Record<string, string>),
    },
  });

async function createToken(name: string, scopes: string[], token = adminToken): Promise<string> {
  const response = await call("/api/tokens", { method: "POST", token, body: JSON.stringify({ name, scopes }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

beforeAll(async () => {
  server = await startTestServer({ auth: true, adminToken, rateLimit: false });
});
afterAll(() => server.close());

/** Every route that touches streams or server data, with the scope kind it needs. */
const routes: { name: string; kind: "read" | "append" | "admin"; request: (path: string, project: string) => [string, RequestInit] }[] = [
  { name: "read a stream (JSON)", kind: "read", request: (p, project) => [`/api/streams${p}?format=json&project=${project}`, {}] },
  { name: "read a stream (SSE)", kind: "read", request: (p, project) => [`/api/streams${p}?project=${project}`, {}] },
  { name: "tail a stream live (SSE)", kind: "read", request: (p, project) => [`/api/streams${p}?live=true&project=${project}`, {}] },
  { name: "append", kind: "append", request: (p, project) => [`/api/streams${p}?project=${project}`, { method: "POST", body: '{"type":"x"}' }] },
  { name: "delete a stream", kind: "admin", request: (p, project) => [`/api/streams${p}?project=${project}`, { method: "DELETE" }] },
  { name: "list children", kind: "read", request: (p, project) => [`/api/children${p}?project=${project}`, {}] },
  { name: "list the tree", kind: "read", request: (p, project) => [`/api/tree${p}?project=${project}`, {}] },
  { name: "read the state", kind: "read", request: (p, project) => [`/api/state${p}?project=${project}`, {}] },
  { name: "read a cursor", kind: "read", request: (p, project) => [`/api/cursors${p}?consumer=c&project=${project}`, {}] },
  {
    name: "save a cursor",
    kind: "append",
    request: (p, project) => [`/api/cursors${p}?consumer=c&project=${project}`, { method: "PUT", body: '{"offset":0}' }],
  },
  { name: "read a Durable Stream", kind: "read", request: (p, project) => [`/v1/stream${p}?project=${project}`, {}] },
  { name: "create a Durable Stream", kind: "append", request: (p, project) => [`/v1/stream${p}?project=${project}`, { method: "PUT" }] },
  { name: "list secrets", kind: "admin", request: (_p, project) => [`/api/secrets?project=${project}`, {}] },
  { name: "set a secret", kind: "admin", request: (_p, project) => [`/api/secrets/k?project=${project}`, { method: "PUT", body: '{"value":"v"}' }] },
];

/** The tokens of the matrix: what each is granted, written as the rule a reader can check by eye. */
const grants: Record<string, { scopes: string[]; allows: (kind: string, project: string, path: string) => boolean }> = {
  "reader of /me": {
    scopes: ["read:/me"],
    allows: (kind, project, path) => kind === "read" && project === "default" && (path === "/me" || path.startsWith("/me/")),
  },
  "appender of /me": {
    scopes: ["append:/me"],
    allows: (kind, project, path) => kind === "append" && project === "default" && path.startsWith("/me") && path !== "/meow",
  },
  "admin of project other": { scopes: ["admin:other:/"], allows: (_kind, project) => project === "other" },
  "reader of everything": { scopes: ["read:*:/"], allows: (kind) => kind === "read" },
};

describe("tokens and scopes", () => {
  it("answers 401 without a token and with a wrong one, on every route, and names the fix", async () => {
    for (const route of routes) {
      const [url, init] = route.request("/me/x", "default");
      const missing = await call(url, init);
      expect(missing.status, route.name).toBe(401);
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(((await missing.json()) as { message: string }).message).toMatch(/Authorization: Bearer/);
      const wrong = await call(url, { ...init, token: "trb_0123456789abcdef_not-a-real-token-at-all" });
      expect(wrong.status, route.name).toBe(401);
      await wrong.body?.cancel();
    }
    expect((await call("/api/tokens")).status).toBe(401);
  });

  it("serves the health check, the docs and the UI's static files without a token", async () => {
    for (const path of ["/api/health", "/api/docs", "/api/openapi.json", "/api/docs/events", "/", "/style.css"]) {
      const response = await call(path);
      expect(response.status, path).toBe(200);
      await response.body?.cancel();
    }
  });

  it("enforces every scope on every route, path and project (tokens × routes × paths × projects)", async () => {
    const tokens = Object.fromEntries(
      await Promise.all(Object.entries(grants).map(async ([name, grant]) => [name, await createToken(name, grant.scopes)] as const)),
    );
    const checked: string[] = [];
    for (const [tokenName, grant] of Object.entries(grants)) {
      for (const route of routes) {
        for (const path of ["/me", "/me/deep/er", "/meow", "/other"]) {
          for (const project of ["default", "other"]) {
            const [url, init] = route.request(path, project);
            const controller = new AbortController();
            const response = await call(url, { ...init, token: tokens[tokenName], signal: controller.signal });
            const secretRoute = route.name.includes("secret");
            const allowed = grant.allows(route.kind, project, secretRoute ? "/" : path);
            const what = `${tokenName} · ${route.name} · ${path} · ${project}: ${response.status}`;
            if (allowed) {
              expect([401, 403], what).not.toContain(response.status);
            } else {
              expect(response.status, what).toBe(403);
              const body = (await response.json()) as { code: string; message: string; missingScope: string };
              expect(body.code).toBe("forbidden");
              const where = project === "default" ? "" : `${project}:`;
              expect(body.missingScope, what).toBe(`${route.kind}:${where}${secretRoute ? "/" : path}`);
              expect(body.message).toContain(body.missingScope);
            }
            controller.abort();
            checked.push(what);
          }
        }
      }
    }
    expect(checked).toHaveLength(Object.keys(grants).length * routes.length * 4 * 2);
  });

  it("lets a live SSE tail authenticate by access_token, since a browser's EventSource cannot send headers", async () => {
    const reader = await createToken("sse reader", ["read:/feed"]);
    await call("/api/streams/feed", { method: "POST", token: adminToken, body: '{"type":"hello"}' });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/streams/feed?live=true&access_token=${reader}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader2 = response.body!.getReader();
    const { value } = await reader2.read();
    expect(new TextDecoder().decode(value)).toContain('"type":"hello"');
    controller.abort();
    // Never for writes: a token in a URL is for reads only.
    expect((await fetch(`${server.url}/api/streams/feed?access_token=${reader}`, { method: "POST", body: '{"type":"x"}' })).status).toBe(401);
  });

  it("records who appended each event, and a client cannot forge it", async () => {
    const writer = await createToken("writer", ["append:/prov", "read:/prov"]);
    const forged = { kind: "token", id: "env-admin", name: "admin (TRIBUTARY_ADMIN_TOKEN)" };
    const plain = await call("/api/streams/prov", { method: "POST", token: writer, body: JSON.stringify({ type: "note" }) });
    const tolerant = await call("/api/streams/prov", { method: "POST", token: writer, body: JSON.stringify({ type: "note", appendedBy: forged }) });
    const strict = await call("/api/streams/prov?strict=true", { method: "POST", token: writer, body: JSON.stringify({ type: "note", appendedBy: forged }) });
    const batch = await call("/api/streams/prov", {
      method: "POST",
      token: writer,
      body: JSON.stringify({ events: [{ type: "a" }, { type: "b", appendedBy: forged }] }),
    });
    expect(strict.status).toBe(400);
    const list = (await (await call("/api/streams/prov?format=json", { token: writer })).json()) as { events: StoredEvent[] };
    const writerId = ((await plain.json()) as StoredEvent).appendedBy;
    expect(writerId).toEqual({ kind: "token", id: expect.stringMatching(/^[0-9a-f]{16}$/), name: "writer" });
    expect(((await tolerant.json()) as StoredEvent).type).toBe("stream/invalid-event-appended");
    expect(batch.status).toBe(201);
    for (const event of list.events) expect(event.appendedBy).toEqual(writerId);
    // The built-ins' own events name the built-in and the event that caused them.
    await call("/api/streams/prov", {
      method: "POST",
      token: adminToken,
      body: JSON.stringify({ type: "transformer/configured", payload: { slug: "t", matcher: "type = 'note'", transform: "{'type': 'seen'}" } }),
    });
    await call("/api/streams/prov", { method: "POST", token: writer, body: JSON.stringify({ type: "note" }) });
    const seen = await waitForEvent(writer, "/prov", "seen");
    expect(seen.appendedBy).toEqual({ kind: "processor", slug: "transformer", causedBy: { streamPath: "/prov", offset: seen.offset - 1 } });
  });

  it("creates, lists and revokes tokens over the API; a revoked token stops working at once", async () => {
    const projectAdmin = await createToken("project admin", ["admin:team:/"]);
    // A project admin may hand out tokens inside its project only.
    const inside = await call("/api/tokens?project=team", {
      method: "POST",
      token: projectAdmin,
      body: JSON.stringify({ name: "bot", scopes: ["append:/bot"] }),
    });
    expect(inside.status).toBe(201);
    const bot = (await inside.json()) as { id: string; token: string; scopes: string[] };
    expect(bot.scopes).toEqual(["append:team:/bot"]);
    const outside = await call("/api/tokens", { method: "POST", token: projectAdmin, body: JSON.stringify({ name: "x", scopes: ["admin:*:/"] }) });
    expect(outside.status).toBe(403);
    const listed = (await (await call("/api/tokens", { token: projectAdmin })).json()) as { tokens: { id: string; name: string }[] };
    expect(listed.tokens.map((token) => token.name).sort()).toEqual(["bot", "project admin"]);
    expect(JSON.stringify(await (await call("/api/tokens", { token: adminToken })).json())).not.toMatch(/trb_|hash/);
    expect((await call("/api/streams/bot?project=team", { method: "POST", token: bot.token, body: '{"type":"x"}' })).status).toBe(201);
    expect((await call(`/api/tokens/${bot.id}`, { method: "DELETE", token: projectAdmin })).status).toBe(200);
    expect((await call("/api/streams/bot?project=team", { method: "POST", token: bot.token, body: '{"type":"x"}' })).status).toBe(401);
    const bad = await call("/api/tokens", { method: "POST", token: adminToken, body: JSON.stringify({ name: "x", scopes: ["write:/me"] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/read, append or admin/);
  });
  it("refuses a Durable Streams fork of a source the token cannot read, and allows it when it can", async () => {
    await call("/api/streams/secret/plans", { method: "POST", token: adminToken, body: '{"type":"plan","payload":{"launch":"friday"}}' });
    const limited = await createToken("fork into /a", ["append:/a", "read:/a"]);
    const fork = (target: string, token: string) =>
      call(`/v1/stream${target}`, { method: "PUT", token, headers: { "content-type": "application/json", "stream-forked-from": "/secret/plans" } });
    const refused = await fork("/a/copy", limited);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { missingScope: string }).missingScope).toBe("read:/secret/plans");
    expect((await call("/v1/stream/a/copy", { token: limited })).status).toBe(404);
    const reader = await createToken("fork with read", ["append:/a", "read:/a", "read:/secret"]);
    expect((await fork("/a/copy2", reader)).status).toBeLessThan(300);
  });
  it("forks over /api only with read on the source and append on the target, and judges an append to a stream named fork as an append", async () => {
    await call("/api/streams/secret/diary", { method: "POST", token: adminToken, body: '{"type":"entry"}' });
    const fork = (token: string, to: string) => call("/api/streams/secret/diary/fork", { method: "POST", token, body: JSON.stringify({ atOffset: 1, to }) });
    const appendOnly = await createToken("append to /b", ["append:/b", "read:/b"]);
    const noRead = await fork(appendOnly, "/b/diary");
    expect(noRead.status).toBe(403);
    expect(((await noRead.json()) as { missingScope: string }).missingScope).toBe("read:/secret/diary");
    const readOnly = await createToken("read /secret", ["read:/secret"]);
    const noAppend = await fork(readOnly, "/b/diary");
    expect(noAppend.status).toBe(403);
    expect(((await noAppend.json()) as { missingScope: string }).missingScope).toBe("append:/b/diary");
    expect((await call("/api/state/b/diary", { token: adminToken }).then((r) => r.json())).exists).toBe(false);
    const both = await createToken("fork /secret into /b", ["read:/secret", "append:/b"]);
    const forked = await fork(both, "/b/diary");
    expect(forked.status).toBe(201);
    expect(((await forked.json()) as StoredEvent).appendedBy).toMatchObject({ kind: "token", name: "fork /secret into /b" });
    expect((await call("/api/streams/secret/fork", { method: "POST", token: readOnly, body: '{"type":"x"}' })).status).toBe(403);
    expect((await call("/api/streams/b/fork", { method: "POST", token: appendOnly, body: '{"type":"x"}' })).status).toBe(201);
    expect((await call("/api/streams/b/fork", { method: "POST", body: '{"type":"x"}' })).status).toBe(401);
  });
});

async function waitForEvent(token: string, path: string, type: string): Promise<StoredEvent> {
  for (let i = 0; i < 500; i++) {
    const list = (await (await call(`/api/streams${path}?format=json`, { token })).json()) as { events: StoredEvent[] };
    const found = list.events.find((event) => event.type === type);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${type} event`);
}

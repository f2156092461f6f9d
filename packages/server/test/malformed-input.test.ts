// Malformed input, sent the way an attacker or a broken client would (raw HTTP, so nothing is normalised
// on the way): each request gets a 4xx with a message saying what to fix, nothing is stored, nothing
// leaks into the server's objects, and other clients keep being served meanwhile.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxStreamPathDepth, parseStreamPath, type TributaryError } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { maxJsonDepth } from "../src/http/json-depth.ts";
import { appendJson, openReader, readEvents, waitFor } from "./support/http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/** One request with the path exactly as given (fetch would resolve `..` and re-encode before sending). */
function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: hostname, port, method, path, headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers["content-type"] ?? ""), text }));
      },
    );
    request.on("error", reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

/** A clear client error: the status, JSON with the code, and a message of some substance. */
function expectClientError(response: RawResponse, status: number, code: string, mentions?: RegExp): { message: string } {
  expect(response.status, response.text).toBe(status);
  expect(response.contentType).toContain("json");
  const body = JSON.parse(response.text) as { code: string; message: string; status: number };
  expect(body).toMatchObject({ code, status });
  expect(body.message.length).toBeGreaterThan(20);
  if (mentions) expect(body.message).toMatch(mentions);
  return body;
}

function nested(depth: number): string {
  return `${"[".repeat(depth - 1)}1${"]".repeat(depth - 1)}`;
}

describe("malformed input gets a clear 4xx and never a 500", () => {
  it("answers bad percent-encoding with 400 on every route that decodes a path", async () => {
    const cases: [string, string, string?][] = [
      ["GET", "/%E0%A4%A"],
      ["GET", "/api/docs/events/%E0%A4%A"],
      ["PUT", "/api/secrets/%E0%A4%A", '{"value":"v"}'],
      ["DELETE", "/api/secrets/%E0%A4%A"],
      ["GET", "/api/streams/%E0%A4%A"],
      ["POST", "/api/streams/%E0%A4%A", '{"type":"x"}'],
      ["GET", "/api/children/%E0%A4%A"],
      ["GET", "/api/tree/%E0%A4%A"],
      ["GET", "/api/state/%E0%A4%A"],
      ["GET", "/api/cursors/%E0%A4%A?consumer=c"],
      ["GET", "/v1/stream/%E0%A4%A"],
    ];
    for (const [method, path, body] of cases) {
      const response = await raw(method, path, body);
      expect(response.status, `${method} ${path}: ${response.text}`).toBe(400);
      expectClientError(response, 400, JSON.parse(response.text).code, /encoding/i);
    }
  });

  it(`refuses a JSON body nested deeper than ${maxJsonDepth} levels with 400, and stores one at the limit faithfully`, async () => {
    const deep = nested(5000);
    const appends: [string, string][] = [
      ["/api/streams/deep/payload", `{"type":"x","payload":{"a":${deep}}}`],
      ["/api/streams/deep/strict?strict=true", `{"type":"x","payload":{"a":${deep}}}`],
      ["/api/streams/deep/bare", deep],
      ["/api/streams/deep/batch", `{"events":[{"type":"x","metadata":{"m":${deep}}}]}`],
    ];
    // The shortest body past the limit: 257 arrays, 514 characters.
    appends.push(["/api/streams/deep/shortest", `${"[".repeat(maxJsonDepth + 1)}${"]".repeat(maxJsonDepth + 1)}`]);
    for (const [path, body] of appends) expectClientError(await raw("POST", path, body), 400, "invalid_json", new RegExp(`${maxJsonDepth}`));
    expectClientError(await raw("PUT", "/api/cursors/deep?consumer=c", `{"offset":${deep}}`), 400, "invalid_json", /deep/);
    expectClientError(await raw("PUT", "/api/secrets/DEEP", `{"value":${deep}}`), 400, "invalid_json", /deep/);
    expect((await raw("PUT", "/v1/stream/deep/ds", undefined, { "content-type": "application/json" })).status).toBe(201);
    expectClientError(await raw("POST", "/v1/stream/deep/ds", deep), 400, "invalid_json", /deep/);
    for (const path of ["/deep/payload", "/deep/strict", "/deep/bare", "/deep/batch", "/deep/shortest"]) expect(await readEvents(server.url, path)).toEqual([]);

    // The deepest accepted payload: the body's outer object is one level, the payload another.
    const atLimit = JSON.parse(nested(maxJsonDepth - 2)) as unknown;
    const stored = await appendJson(server.url, "/deep/ok", { type: "x", payload: { a: atLimit } });
    expect(stored.status).toBe(201);
    expect((await readEvents(server.url, "/deep/ok"))[0]!.payload).toEqual({ a: atLimit });
  });

  it("stores __proto__ keys faithfully and lets none of them reach an object's prototype", async () => {
    const body = '{"type":"x","payload":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"b":2},"metadata":{"__proto__":{"m":1}}}';
    const response = await raw("POST", "/api/streams/proto/payload", body);
    expect(response.status, response.text).toBe(201);
    const read = await raw("GET", "/api/streams/proto/payload?format=json");
    const event = (JSON.parse(read.text) as { events: { payload: object; metadata: object }[] }).events[0]!;
    expect(Object.getOwnPropertyNames(event.payload).sort()).toEqual(["__proto__", "b", "constructor"]);
    expect(JSON.stringify(event.payload)).toBe('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"b":2}');
    expect(JSON.stringify(event.metadata)).toBe('{"__proto__":{"m":1}}');
    // In a batch, and through the Durable Streams face's JSON mode.
    expect((await raw("POST", "/api/streams/proto/batch", `{"events":[{"type":"x","payload":{"__proto__":{"p":1}}}]}`)).status).toBe(201);
    expect(JSON.stringify((await readEvents(server.url, "/proto/batch"))[0]!.payload)).toBe('{"__proto__":{"p":1}}');
    expect((await raw("PUT", "/v1/stream/proto/ds", undefined, { "content-type": "application/json" })).status).toBe(201);
    expect((await raw("POST", "/v1/stream/proto/ds", '{"__proto__":{"p":1},"q":2}')).status).toBe(204);
    expect((await raw("GET", "/v1/stream/proto/ds?offset=-1")).text).toBe('[{"__proto__":{"p":1},"q":2}]');
    // A query parameter or a path segment named after a prototype property is just a name.
    expect((await raw("GET", "/api/streams/proto/payload?__proto__=1&constructor=2")).status).toBe(200);
    for (const path of ["/__proto__", "/__proto__/constructor", "/constructor/prototype"]) {
      expect((await raw("POST", `/api/streams${path}`, '{"type":"x"}')).status).toBe(201);
      expect(await readEvents(server.url, path)).toHaveLength(1);
    }
    const children = JSON.parse((await raw("GET", "/api/children/__proto__")).text) as { streams: { path: string }[] };
    expect(children.streams.map((stream) => stream.path)).toEqual(["/__proto__/constructor"]);
    expect((await raw("GET", "/api/tree/__proto__")).status).toBe(200);
    expect((await raw("GET", "/api/state/__proto__")).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it("refuses '.' and '..' segments in the request path rather than reading one stream and writing another", async () => {
    const dotted = [
      ["POST", "/api/streams/dots/a/../b"],
      ["POST", "/api/streams/dots/a/./b"],
      ["POST", "/api/streams/dots/a/%2e%2e/b"],
      ["POST", "/api/streams/dots/a/.%2E/b"],
      ["POST", "/api/streams/dots/a/%2E/b"],
      ["POST", "/api/streams/dots/a/.."],
      ["GET", "/api/streams/dots/a/..?format=json"],
      ["GET", "/api/children/dots/a/.."],
      ["GET", "/api/tree/dots/.."],
      ["PUT", "/v1/stream/dots/a/../b"],
      ["GET", "/ui/../api/health"],
    ];
    for (const [method, path] of dotted) {
      const response = await raw(method!, path!, method === "POST" ? '{"type":"x"}' : undefined);
      expectClientError(response, 400, "invalid_path", /'\.' or '\.\.'/);
    }
    const { message } = expectClientError(await raw("POST", "/api/streams/dots/a/../b", '{"type":"x"}'), 400, "invalid_path");
    expect(message).toContain("/api/streams/dots/b");
    // Nothing was written anywhere the request could have meant.
    for (const path of ["/dots/b", "/dots/a", "/dots/a/b", "/dots"]) expect(await readEvents(server.url, path)).toEqual([]);
    // A dot inside a segment is an ordinary character.
    expect((await raw("POST", "/api/streams/dots/v1.2/..x", '{"type":"x"}')).status).toBe(201);
  });

  it("takes a stream's path from the raw request target exactly as the URL parser reads it", async () => {
    const prefix = "/api/streams";
    const targets = [
      "/api/streams/raw/a",
      "/api/streams/raw/a?strict=false",
      "/api/streams/raw/b/",
      "/api/streams//raw/c",
      "/api/streams/raw%2Fd",
      "/api/streams/raw/%7Ee",
      "/api/streams/raw/f~g_h-i",
      "/api/streams/raw/j;k",
      "/api/streams/raw/l{m}",
      "/api/streams/raw/n^o",
      "/api/streams/raw/p'q",
      "/api/streams/raw/r:s@t",
    ];
    for (const target of targets) {
      // What the path must be: the WHATWG parser's pathname of the target, after the prefix.
      let expected: string;
      try {
        expected = parseStreamPath(new URL(`http://x${target}`).pathname.slice(prefix.length));
      } catch (error) {
        expected = `invalid_path: ${(error as TributaryError).message}`;
      }
      const response = await raw("POST", target, JSON.stringify({ type: "where" }));
      const body = JSON.parse(response.text) as { streamPath?: string; code?: string; message?: string };
      expect(response.status === 201 ? body.streamPath : `${body.code}: ${body.message}`, target).toBe(expected);
    }
  });

  it(`limits a path to ${maxStreamPathDepth} segments, and answers an over-long request line with a JSON 4xx`, async () => {
    const segments = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`).join("/");
    expect((await raw("POST", `/api/streams/${segments(maxStreamPathDepth)}`, '{"type":"x"}')).status).toBe(201);
    const tooDeep = `/api/streams/${segments(maxStreamPathDepth + 1)}`;
    expectClientError(
      await raw("POST", tooDeep, '{"type":"x"}'),
      400,
      "invalid_path",
      new RegExp(`${maxStreamPathDepth + 1} segments.*limit is ${maxStreamPathDepth}`),
    );
    expectClientError(await raw("GET", `/api/streams/${"a".repeat(2000)}`), 400, "invalid_path", /1024/);
    // Larger than Node's request-head limit: refused before routing, still with a message.
    expectClientError(await raw("GET", `/api/streams/${"a".repeat(20_000)}`), 431, "request_too_large", /URL|header/);
  });

  it("keeps serving other clients while malformed requests arrive", async () => {
    const reader = openReader(`${server.url}/api/streams/bystander?live=true`);
    await waitFor(() => reader.status() === 200, "the live reader to open");
    const deep = nested(5000);
    const bad = [
      raw("GET", "/%E0%A4%A"),
      raw("POST", "/api/streams/bystander", `{"type":"x","payload":{"a":${deep}}}`),
      raw("POST", "/api/streams/a/../bystander", '{"type":"x"}'),
      raw("GET", `/api/streams/${"a".repeat(20_000)}`),
    ];
    const good = Array.from({ length: 5 }, (_, i) => appendJson(server.url, "/bystander", { type: "good", payload: { i } }));
    const answers = await Promise.all([...bad, ...good.map(async (response) => ({ status: (await response).status }))]);
    for (const answer of answers) expect(answer.status).toBeLessThan(500);
    expect(answers.slice(bad.length).map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    await waitFor(() => reader.events().length === 5, "the live reader to get the five good events");
    expect(reader.events().map((event) => event.type)).toEqual(["good", "good", "good", "good", "good"]);
    reader.close();
    expect((await raw("GET", "/api/health")).status).toBe(200);
  });
});

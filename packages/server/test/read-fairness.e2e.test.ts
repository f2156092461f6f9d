import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./support/http.ts";
import { spawnServer } from "./support/server-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tributary-fairness-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const requestOrder = fileURLToPath(new URL("./support/request-order.ts", import.meta.url));

/**
 * Fairness between requests (a long read does not hold up the others), asserted on the order the server
 * did things in, not on times. The server runs in its own process (the real CLI) with
 * `support/request-order.ts` preloaded, which prints when each request starts and each response is
 * finished. The test stops the server (SIGSTOP), sends the long read and then a health check on
 * connections of their own, and lets it go on (SIGCONT): both requests are waiting when it resumes, the
 * read first. A server that builds the whole read in one go finishes it before it even looks at the
 * health check; one that yields between bounded pieces answers the health check in between.
 */
describe("fairness between requests", () => {
  const path = "/fairness/long";
  let server: Awaited<ReturnType<typeof spawnServer>>;
  beforeAll(async () => {
    server = await spawnServer(dataDir, [], ["--import", requestOrder]);
    // 10,000 events in ten appends is filling, not a runaway loop: lift this stream's circuit breaker.
    await fetch(`${server.url}/api/streams${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "circuit-breaker/configured", payload: { maxEvents: 1_000_000, windowSeconds: 1 } }),
    });
    for (let first = 2; first <= 10_000; first += 1000) {
      const batch = Array.from({ length: Math.min(1000, 10_001 - first) }, (_, k) => ({ type: "filled", payload: { n: first + k } }));
      const response = await fetch(`${server.url}/api/streams${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ events: batch }),
      });
      expect(response.status).toBe(201);
    }
  });
  afterAll(async () => {
    const exited = once(server.child, "exit");
    server.child.kill("SIGTERM");
    await exited;
  });

  /** Sends `readTarget` and then a health check while the server is stopped; their answers and the server's order of starts and finishes. */
  async function readWithHealthCheck(readTarget: string, healthTarget: string) {
    const read = await connection(server.url);
    const health = await connection(server.url);
    server.child.kill("SIGSTOP");
    try {
      await read.send(readTarget);
      await health.send(healthTarget);
    } finally {
      server.child.kill("SIGCONT");
    }
    const [readAnswer, healthAnswer] = await Promise.all([read.answer(), health.answer()]);
    expect(healthAnswer.status).toBe(200);
    expect(readAnswer.status).toBe(200);
    const order = await waitFor(() => {
      const lines = server
        .output()
        .split("\n")
        .filter((line) => line.startsWith("request-order ") && (line.endsWith(readTarget) || line.endsWith(healthTarget)))
        .map((line) => line.slice("request-order ".length));
      return lines.length === 4 && lines;
    }, "the server's request order");
    // The read was started first (both were waiting when the server resumed).
    expect(order[0]).toBe(`start GET ${readTarget}`);
    return { body: readAnswer.body, order };
  }

  it("answers a health check that arrives with a 10,000-event JSON page before that page is finished", async () => {
    const pageTarget = `/api/streams${path}?format=json&limit=10000`;
    const healthTarget = "/api/health?during=json-page";
    const { body, order } = await readWithHealthCheck(pageTarget, healthTarget);
    const page = JSON.parse(body) as { events: { offset: number }[]; hasMore: boolean };
    expect(page.events.map((event) => event.offset)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(page.hasMore).toBe(false);
    expect(order.indexOf(`finish GET ${healthTarget}`)).toBeLessThan(order.indexOf(`finish GET ${pageTarget}`));
  });

  it("answers a health check that arrives with a 10,000-event SSE catch-up before that read is finished", async () => {
    const readTarget = `/api/streams${path}?format=sse`;
    const healthTarget = "/api/health?during=sse";
    const { body, order } = await readWithHealthCheck(readTarget, healthTarget);
    const ids = [...body.matchAll(/^id: ?(\d+)$/gm)].map((match) => Number(match[1]));
    expect(ids).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(order.indexOf(`finish GET ${healthTarget}`)).toBeLessThan(order.indexOf(`finish GET ${readTarget}`));
  });
});

/**
 * A raw HTTP/1.1 connection, open before the server is stopped (so sending needs nothing from the
 * server), whose one request asks the server to close the connection after the answer.
 */
async function connection(url: string): Promise<{ send(target: string): Promise<void>; answer(): Promise<{ status: number; body: string }> }> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await once(socket, "connect");
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = once(socket, "end");
  return {
    send: (target) =>
      new Promise((resolve, reject) =>
        socket.write(`GET ${target} HTTP/1.1\r\nhost: ${hostname}\r\naccept: application/json\r\nconnection: close\r\n\r\n`, (error) =>
          error ? reject(error) : resolve(),
        ),
      ),
    async answer() {
      await ended;
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf("\r\n\r\n");
      const head = raw.subarray(0, split).toString("latin1");
      const body = raw.subarray(split + 4);
      const chunked = /\r\ntransfer-encoding: chunked/i.test(head);
      return { status: Number(head.split(" ")[1]), body: (chunked ? dechunk(body) : body).toString("utf8") };
    },
  };
}

/** The body of a chunked HTTP/1.1 response. */
function dechunk(raw: Buffer): Buffer {
  const pieces: Buffer[] = [];
  for (let at = 0; ;) {
    const lineEnd = raw.indexOf("\r\n", at);
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString("latin1"), 16);
    if (size === 0) return Buffer.concat(pieces);
    pieces.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

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

type Server = Awaited<ReturnType<typeof spawnServer>>;

/*
 * Fairness between requests (a long read, or a long stream's first touch, does not hold up the
 * others), asserted on the order the server did things in, not on times. The server runs in its own
 * process (the real CLI) with `support/request-order.ts` preloaded, which prints when each request
 * starts and each response is finished. A test stops the server (SIGSTOP), sends the long request and
 * then a health check on connections of their own, and lets it go on (SIGCONT): both requests are
 * waiting when it resumes, the long one first. A server that does the whole long request in one go
 * finishes it before it even looks at the health check; one that yields between bounded pieces answers
 * the health check in between.
 */
interface Request {
  method: "GET" | "POST";
  target: string;
  body?: string;
}

/** Appends `count` events to `path` in batches of 1,000. */
async function fill(url: string, path: string, count: number): Promise<void> {
  for (let first = 1; first <= count; first += 1000) {
    const batch = Array.from({ length: Math.min(1000, count + 1 - first) }, (_, k) => ({ type: "filled", payload: { n: first + k } }));
    const response = await fetch(`${url}/api/streams${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: batch }),
    });
    expect(response.status).toBe(201);
  }
}

async function stop(server: Server): Promise<void> {
  const exited = once(server.child, "exit");
  server.child.kill("SIGTERM");
  await exited;
}

/**
 * Sends `long` and then `health` while the server is stopped, lets it go on, and returns their answers
 * and the server's order of starts and finishes (from `request-order.ts`), after checking that the
 * server started the long request first.
 */
async function sentTogether(server: Server, long: Request, health: Request) {
  const longConnection = await connection(server.url);
  const healthConnection = await connection(server.url);
  server.child.kill("SIGSTOP");
  try {
    await longConnection.send(long);
    await healthConnection.send(health);
  } finally {
    server.child.kill("SIGCONT");
  }
  const [longAnswer, healthAnswer] = await Promise.all([longConnection.answer(), healthConnection.answer()]);
  expect(healthAnswer.status).toBe(200);
  const order = await waitFor(() => {
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.startsWith("request-order ") && (line.endsWith(` ${long.target}`) || line.endsWith(` ${health.target}`)))
      .map((line) => line.slice("request-order ".length));
    return lines.length === 4 && lines;
  }, "the server's request order");
  // Both were waiting when the server resumed, the long request first.
  expect(order[0]).toBe(`start ${long.method} ${long.target}`);
  return {
    answer: longAnswer,
    finishedFirst: order.indexOf(`finish ${health.method} ${health.target}`) < order.indexOf(`finish ${long.method} ${long.target}`),
  };
}

describe("fairness between requests", () => {
  const path = "/fairness/long";
  let server: Server;
  beforeAll(async () => {
    server = await spawnServer(dataDir, ["--circuit-breaker", "off"], ["--import", requestOrder]);
    await fill(server.url, path, 10_000);
  });
  afterAll(() => stop(server));

  it("answers a health check that arrives with a 10,000-event JSON page before that page is finished", async () => {
    const { answer, finishedFirst } = await sentTogether(
      server,
      { method: "GET", target: `/api/streams${path}?format=json&limit=10000` },
      { method: "GET", target: "/api/health?during=json-page" },
    );
    expect(answer.status).toBe(200);
    const page = JSON.parse(answer.body) as { events: { offset: number }[]; hasMore: boolean };
    expect(page.events.map((event) => event.offset)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(page.hasMore).toBe(false);
    expect(finishedFirst).toBe(true);
  });

  it("answers a health check that arrives with a 10,000-event SSE catch-up before that read is finished", async () => {
    const { answer, finishedFirst } = await sentTogether(
      server,
      { method: "GET", target: `/api/streams${path}?format=sse` },
      { method: "GET", target: "/api/health?during=sse" },
    );
    expect(answer.status).toBe(200);
    const ids = [...answer.body.matchAll(/^id: ?(\d+)$/gm)].map((match) => Number(match[1]));
    expect(ids).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(finishedFirst).toBe(true);
  });

  it("answers a health check that arrives with the first append to a 9,000-event stream after a restart before that append", async () => {
    // 9,000 events: below the first snapshot (every 10,000), so the restarted server folds them all, in
    // two pages of the built-ins' state load; no breaker configured, so nothing loads the stream at startup.
    const firstTouchDir = mkdtempSync(join(tmpdir(), "tributary-fairness-"));
    try {
      const first = await spawnServer(firstTouchDir, ["--circuit-breaker", "off"]);
      await fill(first.url, "/fairness/untouched", 9000);
      await stop(first);
      const restarted = await spawnServer(firstTouchDir, ["--circuit-breaker", "off"], ["--import", requestOrder]);
      try {
        const { answer, finishedFirst } = await sentTogether(
          restarted,
          { method: "POST", target: "/api/streams/fairness/untouched", body: '{"type":"after-restart"}' },
          { method: "GET", target: "/api/health?during=first-touch" },
        );
        expect(answer.status).toBe(201);
        expect((JSON.parse(answer.body) as { offset: number }).offset).toBe(9001);
        expect(finishedFirst).toBe(true);
      } finally {
        await stop(restarted);
      }
    } finally {
      rmSync(firstTouchDir, { recursive: true, force: true });
    }
  });
});

/**
 * A raw HTTP/1.1 connection, open before the server is stopped (so sending needs nothing from the
 * server), whose one request asks the server to close the connection after the answer.
 */
async function connection(url: string): Promise<{ send(request: Request): Promise<void>; answer(): Promise<{ status: number; body: string }> }> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await once(socket, "connect");
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = once(socket, "end");
  return {
    send: ({ method, target, body }) => {
      const content = body === undefined ? "" : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
      const request = `${method} ${target} HTTP/1.1\r\nhost: ${hostname}\r\naccept: application/json\r\n${content}connection: close\r\n\r\n${body ?? ""}`;
      return new Promise((resolve, reject) => socket.write(request, (error) => (error ? reject(error) : resolve())));
    },
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

import http from "node:http";
import type { AddressInfo } from "node:net";
import type { StoredEvent } from "@tributary/protocol";

/** GET a JSON document from the server. */
export async function getJson<T = any>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The built-ins' view of a stream (`GET /api/state/<path>`). */
export const stateOf = (baseUrl: string, path: string) => getJson(`${baseUrl}/api/state${path}`);

/**
 * A processor the way a user runs one over HTTP: tails a stream live over SSE and, for each new event,
 * may append events back. It stops when an append is refused (the stream was paused) or on `stop()`.
 */
export function runReactor(baseUrl: string, path: string, react: (event: StoredEvent) => { type: string; payload?: Record<string, unknown> } | undefined) {
  const controller = new AbortController();
  const refusals: { status: number; body: any }[] = [];
  const errors: Error[] = [];
  let appended = 0;
  const seen: StoredEvent[] = [];
  const done = (async () => {
    const response = await fetch(`${baseUrl}/api/streams${path}?live=true`, { signal: controller.signal });
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let index: number;
        while ((index = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          const data = block.split("\n").find((line) => line.startsWith("data: "));
          if (!data) continue;
          const event = JSON.parse(data.slice(6)) as StoredEvent;
          seen.push(event);
          const reply = react(event);
          if (!reply) continue;
          const answer = await fetch(`${baseUrl}/api/streams${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(reply),
          });
          if (answer.status === 201) appended += 1;
          else {
            refusals.push({ status: answer.status, body: await answer.json() });
            controller.abort();
            return;
          }
        }
      }
    } catch (error) {
      if ((error as Error).name !== "AbortError") throw error;
    }
  })().catch((error: Error) => {
    // Kept for the test to assert on, never thrown: a test that failed already may close the server under it.
    if (error.name !== "AbortError") errors.push(error);
  });
  return { refusals, seen, errors, appended: () => appended, done, stop: () => controller.abort() };
}

export interface ReceivedDelivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  event: StoredEvent;
}

/**
 * A real webhook receiver on a free port. While `down`, it answers 503 and keeps nothing; otherwise it
 * records each delivery and answers 200.
 */
export async function startReceiver() {
  const received: ReceivedDelivery[] = [];
  let attempts = 0;
  let down = false;
  const server = http.createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      attempts += 1;
      if (down) {
        response.writeHead(503).end("down for maintenance");
        return;
      }
      received.push({ headers: request.headers, body, event: JSON.parse(body) as StoredEvent });
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    attempts: () => attempts,
    setDown(value: boolean) {
      down = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A clock a test moves by hand (only where real time would make a test slow or depend on the machine's
 * speed). With `stepMs`, every reading also moves it forward by that much.
 */
export function createFakeClock(start = Date.now(), stepMs = 0) {
  let now = start;
  return {
    now: () => (now += stepMs) - stepMs,
    advance(ms: number) {
      now += ms;
    },
    set(at: number) {
      now = at;
    },
  };
}

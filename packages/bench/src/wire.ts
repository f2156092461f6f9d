import { benchStreamConfiguration } from "./bench-stream.ts";
import { expectAppended, type HttpClient, type HttpResponse } from "./http-client.ts";

/**
 * How the bench's one client speaks to a server under test. The workloads (scenarios/) are written once
 * against this; only the request paths and bodies differ between Tributary's API (which the HTTP floor
 * also answers) and the Durable Streams protocol (the reference server). Every event the bench writes
 * is a JSON object `{"type":…,"payload":{…}}`: a Tributary event, or a Durable Streams JSON message.
 */
export interface Wire {
  kind: "tributary" | "durable-streams";
  /** Creates the stream `name` (a path like `/bench/x`); Tributary's streams start with the breaker raised. */
  create(http: HttpClient, name: string): Promise<void>;
  append(http: HttpClient, name: string, event: string): Promise<void>;
  appendBatch(http: HttpClient, name: string, events: string[]): Promise<void>;
  /** The request path of a live SSE read that starts at the stream's end. */
  livePath(name: string): string;
  /** The request path of an SSE read from the start (finite on Tributary; live, so left open, on Durable Streams). */
  catchUpSsePath(name: string): string;
  /**
   * Reads the whole stream as JSON pages (the largest each server gives), one request after the other;
   * resolves with the bytes read and how many events the server said it sent.
   */
  readJsonPages(http: HttpClient, name: string): Promise<{ bytes: number; events: number | undefined; pages: number }>;
}

export const tributaryWire: Wire = {
  kind: "tributary",
  async create(http, name) {
    expectAppended(await http.post(`/api/streams${name}`, benchStreamConfiguration));
  },
  async append(http, name, event) {
    expectAppended(await http.post(`/api/streams${name}`, event));
  },
  async appendBatch(http, name, events) {
    expectAppended(await http.post(`/api/streams${name}`, `{"events":[${events.join(",")}]}`));
  },
  livePath: (name) => `/api/streams${name}?live=true&afterOffset=end`,
  catchUpSsePath: (name) => `/api/streams${name}`,
  readJsonPages: (http, name) => readTributaryJsonPages(http, name, tributaryJsonPageLimit),
};

/** Tributary's largest JSON page (`maxJsonPageEvents`, docs/http-api.md §4.5); 10,000 before 2 December 2026. */
export const tributaryJsonPageLimit = 100_000;

/**
 * Tributary's wire reading JSON pages of `limit` events: for a probe comparing with a checkout whose
 * largest page is smaller.
 *
 * @example
 * const before = tributaryWireWithPageLimit(10_000);
 */
export function tributaryWireWithPageLimit(limit: number): Wire {
  return { ...tributaryWire, readJsonPages: (http, name) => readTributaryJsonPages(http, name, limit) };
}

async function readTributaryJsonPages(http: HttpClient, name: string, limit: number): Promise<{ bytes: number; events: number | undefined; pages: number }> {
  let after = 0;
  let bytes = 0;
  for (let pages = 1; ; pages++) {
    const response = await http.get(`/api/streams${name}?format=json&limit=${limit}&afterOffset=${after}`);
    if (response.status !== 200) throw new Error(`JSON catch-up answered ${response.status}: ${response.body.slice(0, 200)}`);
    bytes += response.body.length;
    // Only the page's trailer is parsed: the figure is the server's rate, not a JSON parser's.
    const trailer = /"nextAfterOffset":(\d+),"hasMore":(true|false)/.exec(response.body.slice(-200));
    if (!trailer) throw new Error("a JSON page had no nextAfterOffset/hasMore trailer");
    after = Number(trailer[1]);
    if (trailer[2] === "false") return { bytes, events: after, pages };
  }
}

function expectDsAppended(response: HttpResponse): void {
  if (response.status !== 204 && response.status !== 200) throw new Error(`Durable Streams append answered ${response.status}: ${response.body.slice(0, 300)}`);
}

/** The Durable Streams protocol (JSON streams at `/v1/stream/…`), as the reference server and Tributary's DS face speak it. */
export const durableStreamsWire: Wire = {
  kind: "durable-streams",
  async create(http, name) {
    const response = await http.put(`/v1/stream${name}`, `[${benchStreamConfiguration}]`);
    if (response.status !== 201 && response.status !== 200) throw new Error(`PUT ${name} answered ${response.status}: ${response.body.slice(0, 300)}`);
  },
  async append(http, name, event) {
    expectDsAppended(await http.post(`/v1/stream${name}`, event));
  },
  async appendBatch(http, name, events) {
    expectDsAppended(await http.post(`/v1/stream${name}`, `[${events.join(",")}]`));
  },
  livePath: (name) => `/v1/stream${name}?offset=now&live=sse`,
  catchUpSsePath: (name) => `/v1/stream${name}?offset=-1&live=sse`,
  async readJsonPages(http, name) {
    let offset = "-1";
    let bytes = 0;
    for (let pages = 1; ; pages++) {
      const response = await http.get(`/v1/stream${name}?offset=${offset}`);
      if (response.status !== 200) throw new Error(`Durable Streams read answered ${response.status}: ${response.body.slice(0, 300)}`);
      bytes += response.body.length;
      offset = String(response.headers["stream-next-offset"]);
      if (response.headers["stream-up-to-date"] === "true") return { bytes, events: undefined, pages };
    }
  },
};

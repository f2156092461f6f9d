import { parseProject, parseStreamPath, type EventInput, type StoredEvent } from "@tributary/protocol";
import { readEventStream, type StreamOptions } from "./event-stream.ts";
import { apiUrl, defaultBaseUrl, request, type Endpoint } from "./http.ts";
import { readHead } from "./read-head.ts";

export interface EventsClientOptions {
  /** The server, e.g. `http://127.0.0.1:4000`. Defaults to `TRIBUTARY_URL`, else `http://127.0.0.1:4000`. */
  baseUrl?: string;
  /** The project (namespace) of every request; the server's default project when omitted. */
  project?: string;
}

/** A stream as the listing endpoints describe it. */
export interface StreamListing {
  path: string;
  lastOffset: number;
  createdAt: string;
}

export interface ListingPage {
  project: string;
  path: string;
  streams: StreamListing[];
  /** True when the server cut the list at its limit. */
  truncated: boolean;
}

export interface ConsumerCursor {
  project: string;
  path: string;
  consumer: string;
  /** The last offset the consumer finished with (0: none). */
  offset: number;
}

export type { StreamOptions };

/**
 * A client for a Tributary server's HTTP API. Every method throws a `TributaryError` whose `code` is the
 * server's (`invalid_event`, `stream_paused`, `offset_conflict`, …), or `unavailable` when the server
 * cannot be reached.
 *
 * @example
 * const client = createEventsClient({ baseUrl: "http://127.0.0.1:4000" });
 * await client.append({ path: "/jonas/hello", event: { type: "hello-world" } });
 * for await (const event of client.stream({ path: "/jonas/hello" })) console.log(event.offset, event.type);
 */
export function createEventsClient(options: EventsClientOptions = {}) {
  const endpoint: Endpoint = {
    baseUrl: (options.baseUrl ?? defaultBaseUrl()).replace(/\/+$/, ""),
    project: options.project === undefined ? undefined : parseProject(options.project),
  };
  const getJson = async <T>(url: string, signal?: AbortSignal): Promise<T> =>
    (await (await request(endpoint, url, signal ? { signal } : {})).json()) as T;

  return {
    baseUrl: endpoint.baseUrl,
    project: endpoint.project,

    /**
     * Appends one event and returns it as stored. Strict: an invalid event is refused with
     * `invalid_event` instead of being stored as `stream/invalid-event-appended`. An idempotent replay
     * returns the original event. A request that fails on a connection the server closed is retried
     * once only when the event has an `idempotencyKey` (so a retry cannot store it twice).
     */
    async append(input: { path: string; event: EventInput; signal?: AbortSignal }): Promise<StoredEvent> {
      const url = apiUrl(endpoint, "streams", parseStreamPath(input.path), { strict: "true" });
      const response = await request(endpoint, url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ event: input.event }),
        ...(input.signal ? { signal: input.signal } : {}),
      }, { safeToRetry: input.event.idempotencyKey !== undefined });
      return (await response.json()) as StoredEvent;
    },

    /** Appends several events atomically (all or none) and returns them as stored. */
    async appendBatch(input: { path: string; events: EventInput[] }): Promise<StoredEvent[]> {
      const url = apiUrl(endpoint, "streams", parseStreamPath(input.path), { strict: "true" });
      const response = await request(endpoint, url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ events: input.events }),
      });
      return ((await response.json()) as { events: StoredEvent[] }).events;
    },

    /**
     * The events of a stream as an async iterable (Server-Sent Events underneath): finite by default,
     * or `live`, reconnecting and resuming after the last offset it yielded. See `readEventStream`.
     */
    stream(input: StreamOptions): AsyncGenerator<StoredEvent, void, undefined> {
      return readEventStream(endpoint, { ...input, path: parseStreamPath(input.path) });
    },

    /** The offset of the stream's last event; 0 when it is empty or does not exist. */
    head(path: string, signal?: AbortSignal): Promise<number> {
      return readHead(endpoint, parseStreamPath(path), signal);
    },

    /** The direct children of a path. */
    children(path = "/", signal?: AbortSignal): Promise<ListingPage> {
      return getJson(apiUrl(endpoint, "children", parseStreamPath(path)), signal);
    },

    /** Every stream below a path (not the path itself). */
    tree(path = "/", signal?: AbortSignal): Promise<ListingPage> {
      return getJson(apiUrl(endpoint, "tree", parseStreamPath(path)), signal);
    },

    /** The stream's reduced built-in state (paused?, children, event count, …). */
    state(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
      return getJson(apiUrl(endpoint, "state", parseStreamPath(path)), signal);
    },

    /** How far a named consumer got on a stream (0 when it never stored a cursor there). */
    async getCursor(path: string, consumer: string, signal?: AbortSignal): Promise<number> {
      const body = await getJson<ConsumerCursor>(apiUrl(endpoint, "cursors", parseStreamPath(path), { consumer }), signal);
      return body.offset;
    },

    /** Stores how far a named consumer got on a stream. */
    async putCursor(path: string, consumer: string, offset: number, signal?: AbortSignal): Promise<void> {
      await request(endpoint, apiUrl(endpoint, "cursors", parseStreamPath(path), { consumer }), {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ offset }),
        ...(signal ? { signal } : {}),
      });
    },
  };
}

export type EventsClient = ReturnType<typeof createEventsClient>;

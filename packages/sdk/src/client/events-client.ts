import { assertKnownOptions, parseProject, parseStreamPath, type AppendBody, type EventInput, type StoredEvent } from "@tributary/protocol";
import { readEventBatches, readEventStream, type StreamOptions } from "./event-stream.ts";
import { apiUrl, defaultBaseUrl, request, type Endpoint } from "./http.ts";
import { readHead } from "./read-head.ts";

export interface EventsClientOptions {
  /** The server, e.g. `http://127.0.0.1:4000`. Defaults to `TRIBUTARY_URL`, else `http://127.0.0.1:4000`. */
  baseUrl?: string;
  /** The project (namespace) of every request; the server's default project when omitted. */
  project?: string;
  /** A token for a server started with `--auth`, sent as `Authorization: Bearer`. Defaults to `TRIBUTARY_TOKEN`. */
  token?: string;
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

const clientOptions = ["baseUrl", "project", "token"] as const;

/** Where the client keeps `append` with the created/replayed flag (the workshop surface needs it; not public). */
export const appendReportingCreation = Symbol("appendReportingCreation");
const appendOptions = ["path", "event", "signal"] as const;
const appendBatchOptions = ["path", "events", "signal"] as const;
const forkOptions = ["path", "atOffset", "to", "signal"] as const;
const streamOptions = ["path", "afterOffset", "offset", "beforeOffset", "live", "signal", "onReconnect", "retryFirstConnection", "idleTimeoutMs"] as const;

/**
 * A client for a Tributary server's HTTP API. Every method throws a `TributaryError` whose `code` is the
 * server's (`invalid_event`, `stream_paused`, `offset_conflict`, …), or `unavailable` when the server
 * cannot be reached.
 *
 * `createEventsClient("http://…")` is short for `createEventsClient({ baseUrl: "http://…" })`. Unknown options
 * (here and in every method) are a TypeError that names them.
 *
 * @example
 * const client = createEventsClient({ baseUrl: "http://127.0.0.1:4000" });
 * await client.append({ path: "/jonas/hello", event: { type: "hello-world" } });
 * for await (const event of client.stream({ path: "/jonas/hello" })) console.log(event.offset, event.type);
 */
export function createEventsClient(baseUrlOrOptions: string | EventsClientOptions = {}) {
  const options: EventsClientOptions = typeof baseUrlOrOptions === "string" ? { baseUrl: baseUrlOrOptions } : baseUrlOrOptions;
  assertKnownOptions("createEventsClient", options, clientOptions);
  const endpoint: Endpoint = {
    baseUrl: (options.baseUrl ?? defaultBaseUrl()).replace(/\/+$/, ""),
    project: options.project === undefined ? undefined : parseProject(options.project),
    token: options.token ?? (process.env.TRIBUTARY_TOKEN || undefined),
  };
  /** `append` (documented there), also telling whether the event was stored now or is an idempotent replay. */
  const appendOne = async (input: { path: string; event: EventInput; signal?: AbortSignal }): Promise<{ event: StoredEvent; created: boolean }> => {
    assertKnownOptions("append", input, appendOptions);
    const response = await postStrict(input.path, { event: input.event }, input.signal, input.event?.idempotencyKey !== undefined);
    return { event: (await response.json()) as StoredEvent, created: response.status === 201 };
  };
  /** POSTs an append body in strict mode (an invalid event is refused, not stored as invalid). */
  const postStrict = (path: string, body: AppendBody, signal: AbortSignal | undefined, safeToRetry = false) =>
    request(
      endpoint,
      apiUrl(endpoint, "streams", parseStreamPath(path), { strict: "true" }),
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), ...(signal ? { signal } : {}) },
      { safeToRetry },
    );
  const getJson = async <T>(url: string, signal?: AbortSignal): Promise<T> => (await (await request(endpoint, url, signal ? { signal } : {})).json()) as T;

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
      return (await appendOne(input)).event;
    },

    /** `append`, also telling whether the event was stored now (false: an idempotent replay). For the workshop client. */
    [appendReportingCreation]: appendOne,

    /** Appends several events atomically (all or none) and returns them as stored. */
    async appendBatch(input: { path: string; events: EventInput[]; signal?: AbortSignal }): Promise<StoredEvent[]> {
      assertKnownOptions("appendBatch", input, appendBatchOptions);
      const response = await postStrict(input.path, { events: input.events }, input.signal);
      return ((await response.json()) as { events: StoredEvent[] }).events;
    },

    /**
     * Forks a stream: creates `to` holding the events of `path` up to `atOffset` (same offsets), then a
     * `stream/forked {from, atOffset}` event, which it returns. Refused with `stream_exists` when `to`
     * has events, `stream_not_found` without a source, `invalid_request` past the source's end.
     *
     * @example
     * await client.fork({ path: "/jonas/agent", atOffset: 42, to: "/jonas/agent-retry" });
     */
    fork(input: { path: string; atOffset: number; to: string; signal?: AbortSignal }): Promise<StoredEvent> {
      assertKnownOptions("fork", input, forkOptions);
      const url = apiUrl(endpoint, "streams", `${parseStreamPath(input.path).replace(/\/$/, "")}/fork`);
      const body = JSON.stringify({ atOffset: input.atOffset, to: parseStreamPath(input.to) });
      const sent = request(endpoint, url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        ...(input.signal ? { signal: input.signal } : {}),
      });
      return sent.then(async (response) => (await response.json()) as StoredEvent);
    },

    /**
     * The events of a stream as an async iterable (Server-Sent Events underneath): finite by default,
     * or `live`, reconnecting and resuming after the last offset it yielded. See `readEventStream`.
     * `offset` is another name for `afterOffset` (the workshop's); `{ signal }` may come as a second
     * argument instead (`stream({ path, live: true }, { signal })`).
     */
    stream(input: StreamOptions & { offset?: StreamOptions["afterOffset"] }, extra?: { signal?: AbortSignal }): AsyncGenerator<StoredEvent, void, undefined> {
      return readEventStream(endpoint, streamArguments("stream", input, extra));
    },

    /**
     * `stream`, an array at a time: the new events of each piece of the response as it arrives (the
     * same guarantees and order; see `readEventBatches`). For a consumer that handles many events at
     * once, such as a runtime catching up on history: it saves a promise turn or two per event.
     */
    streamBatches(
      input: StreamOptions & { offset?: StreamOptions["afterOffset"] },
      extra?: { signal?: AbortSignal },
    ): AsyncGenerator<StoredEvent[], void, undefined> {
      return readEventBatches(endpoint, streamArguments("streamBatches", input, extra));
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

/** The options of `stream` and `streamBatches`, checked, as `readEventStream` takes them. */
function streamArguments(method: string, input: StreamOptions & { offset?: StreamOptions["afterOffset"] }, extra?: { signal?: AbortSignal }): StreamOptions {
  assertKnownOptions(method, input, streamOptions);
  assertKnownOptions(`${method}'s second argument`, extra, ["signal"]);
  const { offset, ...rest } = input;
  if (offset !== undefined && rest.afterOffset !== undefined)
    throw new TypeError(`${method}: give offset or afterOffset, not both (offset is another name for afterOffset).`);
  if (extra?.signal && rest.signal) throw new TypeError(`${method}: give the signal in the first argument or the second, not both.`);
  const signal = extra?.signal ?? rest.signal;
  return {
    ...rest,
    path: parseStreamPath(input.path),
    ...(offset !== undefined ? { afterOffset: offset } : {}),
    ...(signal ? { signal } : {}),
  };
}

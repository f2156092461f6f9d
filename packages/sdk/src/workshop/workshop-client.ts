import { assertKnownOptions, type EventInput, type OffsetCursor, type StoredEvent } from "@tributary/protocol";
import { appendReportingCreation, createEventsClient as createTributaryClient, type EventsClient } from "../client/events-client.ts";

/** What the workshop's `append` resolves to. */
export interface WorkshopAppendResult {
  /** False when the server answered an idempotent replay with the event it stored before. */
  created: boolean;
  event: StoredEvent;
  events: [StoredEvent];
}

/** The workshop's `stream` input: `offset` resumes after that offset; `live` keeps tailing. */
export interface WorkshopStreamInput {
  path: string;
  offset?: number;
  live?: boolean;
  afterOffset?: OffsetCursor;
  beforeOffset?: OffsetCursor;
}

/** The events client of the workshop SDK: `append` resolves to `{ event }`, `stream` to a promise of an iterable. */
export interface WorkshopEventsClient {
  append(input: { path: string; event: EventInput }): Promise<WorkshopAppendResult>;
  stream(input: WorkshopStreamInput, options?: { signal?: AbortSignal }): Promise<AsyncIterable<StoredEvent>>;
  /** The same server through the Tributary client (`append` resolves to the stored event). */
  readonly tributary: EventsClient;
}

/** The workshop's `BASE_URL`, when set (without it the Tributary client's default applies). */
function workshopBaseUrl(): string | undefined {
  return process.env.BASE_URL || undefined;
}

/**
 * The workshop SDK's `createEventsClient`: positional (`createEventsClient("http://…")`) or with
 * `{ baseUrl, projectSlug }`, reading `BASE_URL` when no URL is given. Unlike the workshop's, the fallback
 * is a local server (`TRIBUTARY_URL`, else `http://127.0.0.1:4000`), never a public one.
 *
 * @example
 * const client = createEventsClient();
 * const { event } = await client.append({ path: "/jonas/hello", event: { type: "hello-world" } });
 * for await (const seen of await client.stream({ path: "/jonas/hello", offset: event.offset - 1 }, {})) console.log(seen.type);
 */
export function createEventsClient(baseUrlOrOptions?: string | { baseUrl?: string; projectSlug?: string }): WorkshopEventsClient {
  const options = typeof baseUrlOrOptions === "string" ? { baseUrl: baseUrlOrOptions } : (baseUrlOrOptions ?? {});
  assertKnownOptions("createEventsClient", options, ["baseUrl", "projectSlug"]);
  const baseUrl = options.baseUrl ?? workshopBaseUrl();
  const tributary = createTributaryClient({ ...(baseUrl ? { baseUrl } : {}), ...(options.projectSlug ? { project: options.projectSlug } : {}) });
  return {
    tributary,
    async append(input) {
      const { event, created } = await tributary[appendReportingCreation](input);
      return { created, event, events: [event] };
    },
    async stream(input, streamOptions = {}) {
      assertKnownOptions("stream", input, ["path", "offset", "live", "afterOffset", "beforeOffset"]);
      return tributary.stream(input, streamOptions);
    },
  };
}

/** The Tributary client behind a workshop client, or the client itself when it already is one. */
export function tributaryClientOf(client: WorkshopEventsClient | EventsClient, where: string): EventsClient {
  if ("tributary" in client && typeof client.tributary === "object") return client.tributary;
  if (typeof (client as EventsClient).head === "function" && typeof (client as EventsClient).stream === "function") return client as EventsClient;
  throw new TypeError(`${where}: eventsClient must come from createEventsClient (of tributary/workshop or tributary).`);
}

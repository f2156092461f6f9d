import type { EventInput, StoredEvent } from "@tributary/protocol";
import type { Connectivity } from "./connectivity.ts";
import { askForToken, savedToken } from "./token.ts";

/** A page of events as `GET /api/streams/<path>?format=json` returns it. */
export interface EventPage {
  streamPath: string;
  events: StoredEvent[];
  nextAfterOffset: number;
  hasMore: boolean;
  lastOffset: number;
}

/** One stream in `GET /api/tree/<path>`. */
export interface StreamInfo {
  path: string;
  lastOffset: number;
  createdAt: string;
  /** With `status=true`: what its built-in state says (older servers leave it out). */
  status?: { lastEventAt: string | null; paused: boolean; failing: boolean; agent: boolean };
}

/** A built-in event type's docs as `GET /api/docs/events?format=json` lists them. */
export interface EventTypeDoc {
  type: string;
  title: string;
  description: string;
  /** `server` / `anyone` for built-ins; a registered family says its own (`agent`, `tool`, `you`). */
  appendedBy: string;
  /** `builtin`, or the registered family (`agent`); older servers leave it out. */
  group?: string;
  example: EventInput;
  /** The composer's template; `null` for types only the server appends (older servers leave it out). */
  preset?: EventInput | null;
}

/** `GET /api/state/<path>`: the head, the children and each built-in's reduced state (`pause`, …). */
export interface StreamState {
  exists: boolean;
  lastOffset: number;
  childPaths: string[];
  pause?: { reason: string; offset: number; at: string } | null;
  [builtin: string]: unknown;
}

/** An error answer of the API: its stable `code`, the HTTP status and the message that says what to fix. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    super(typeof body.message === "string" ? body.message : `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof body.code === "string" ? body.code : "http_error";
    this.body = body;
  }
}

export type ApiClient = ReturnType<typeof createApiClient>;

/**
 * The UI's HTTP client. Every request names the project by query parameter (an EventSource cannot send
 * headers, so the UI uses the parameter everywhere for one rule).
 *
 * @example
 * const api = createApiClient("default");
 * await api.append("/jonas/agent", { type: "agent-input-added", payload: { content: "hi" } });
 */
export function createApiClient(project: string, origin = location.origin, connectivity?: Connectivity) {
  const url = (route: string, path: string, query: Record<string, string | number | undefined> = {}) => {
    const target = new URL(`${route}${path === "/" ? "/" : path}`, origin);
    for (const [key, value] of Object.entries({ ...query, project })) if (value !== undefined) target.searchParams.set(key, String(value));
    return target.toString();
  };

  async function request<T>(target: string, init?: RequestInit): Promise<T> {
    const send = (token: string | undefined) =>
      fetch(target, { ...init, headers: { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...init?.headers } });
    const used = savedToken();
    let response: Response;
    try {
      response = await send(used);
      // A server started with --auth: ask for a token once (unless another request just got one), then
      // repeat the request with it.
      if (response.status === 401) {
        const message =
          (
            (await response
              .clone()
              .json()
              .catch(() => ({}))) as { message?: string }
          ).message ?? "";
        const fresh = savedToken();
        const token = fresh !== undefined && fresh !== used ? fresh : await askForToken(message);
        if (token) response = await send(token);
      }
    } catch (error) {
      // No answer at all: the server is away. Say so once, for every view, and let them recover.
      connectivity?.failed();
      throw new Error("The server does not answer; retrying…", { cause: error });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      body = { message: text };
    }
    if (!response.ok) throw new ApiError(response.status, body as Record<string, unknown>);
    return body as T;
  }

  return {
    project,
    /** Every stream below `path`, each with its status (last activity, paused, failing, agent). */
    tree: (path = "/") => request<{ streams: StreamInfo[]; truncated: boolean }>(url("/api/tree", path, { status: "true" })),
    state: (path: string) => request<StreamState>(url("/api/state", path)),
    /** One JSON page; `types` (comma-separated, `agent-*` prefixes) and `q` (text) filter on the server. */
    page: (path: string, range: { afterOffset?: number | "end"; beforeOffset?: number; limit?: number; types?: string; q?: string }) =>
      request<EventPage>(url("/api/streams", path, { format: "json", ...range })),
    /** The URL of a stream read, for links and `curl` commands. */
    streamUrl: (path: string, query: Record<string, string | number | undefined> = {}) => url("/api/streams", path, query),
    origin,
    /** Told when a live tail drops: the server may be away. */
    connectivity,
    /** Appends strictly: an event the composer got wrong is refused with a message, not stored as invalid. */
    append: (path: string, event: EventInput) =>
      request<StoredEvent>(url("/api/streams", path, { strict: "true" }), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
      }),
    /** Forks `path` at `atOffset` into `to` (`POST …/fork`); resolves with the `stream/forked` event. */
    fork: (path: string, atOffset: number, to: string) =>
      request<StoredEvent>(url("/api/streams", path === "/" ? "/fork" : `${path}/fork`), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ atOffset, to }),
      }),
    eventTypes: () => request<{ types: EventTypeDoc[] }>(`${origin}/api/docs/events?format=json`).then((body) => body.types),
    /** The URL of the live SSE tail of a stream after an offset. */
    // An EventSource cannot send Authorization, so the token travels as access_token (reads only).
    liveUrl: (path: string, afterOffset: number) => url("/api/streams", path, { live: "true", afterOffset, access_token: savedToken() }),
  };
}

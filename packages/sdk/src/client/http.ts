import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { errorStatus, projectHeader, TributaryError, type ErrorCode } from "@tributary/protocol";
import { parseRetryAfter } from "./retry-policy.ts";

/** Where a client sends its requests. */
export interface Endpoint {
  baseUrl: string;
  project: string | undefined;
  /** Sent as `Authorization: Bearer` to a server that requires a token. */
  token?: string | undefined;
}

/** The server the SDK talks to when none is named: `TRIBUTARY_URL`, else the local default. */
export function defaultBaseUrl(): string {
  return process.env.TRIBUTARY_URL || "http://127.0.0.1:4000";
}

/** Builds `<baseUrl>/api/<kind><path>?<query>`. */
export function apiUrl(endpoint: Endpoint, kind: string, path: string, query: Record<string, string | number | boolean | undefined> = {}): string {
  const url = new URL(`${endpoint.baseUrl.replace(/\/+$/, "")}/api/${kind}${path === "/" ? "" : path}`);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  return url.toString();
}

/** The headers every request carries: the project, and the token when there is one. */
export function projectHeaders(endpoint: Endpoint): Record<string, string> {
  const headers: Record<string, string> = endpoint.project ? { [projectHeader]: endpoint.project } : {};
  if (endpoint.token) headers.authorization = `Bearer ${endpoint.token}`;
  return headers;
}

/**
 * Sends a request; a refused connection becomes a `TributaryError` with code `unavailable` that names
 * the server, and a non-2xx answer becomes a `TributaryError` carrying the server's own `code`.
 */
export async function request(endpoint: Endpoint, url: string, init: RequestInit = {}, options: { safeToRetry?: boolean } = {}): Promise<Answer> {
  const safeToRetry = options.safeToRetry ?? (init.method === undefined || init.method === "GET" || init.method === "PUT");
  let response: Answer;
  for (let attempt = 1; ; attempt++) {
    try {
      response = await send(url, init.method ?? "GET", { ...projectHeaders(endpoint), ...(init.headers as Record<string, string>) }, init.body, init.signal);
      break;
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      // A pooled keep-alive connection the server closed (it restarted) fails the next request on it.
      // Once is retried when repeating the request cannot store anything twice.
      if (attempt === 1 && safeToRetry && isClosedConnection(error)) continue;
      throw unreachable(endpoint, error);
    }
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

function isClosedConnection(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE";
}

/** Kept-alive connections of every client in this process, per protocol (as fetch's global pool). */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** What the SDK reads of an answer: a fetch `Response` has all of it. */
export interface Answer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/**
 * One request over `node:http(s)` with a kept-alive connection; the answer's body is read whole. The
 * SDK's requests are small JSON exchanges, and fetch (undici) spends several times the CPU on each (its
 * request object, a stream for the body, the answer's web stream): an agent pays that on every append
 * it makes before its model call. A failure rejects as fetch's does: a `TypeError` whose `cause` is the
 * socket's error (`ECONNREFUSED`, `ECONNRESET`, …), or the signal's reason.
 */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: RequestInit["body"],
  signal: AbortSignal | null | undefined,
): Promise<Answer> {
  signal?.throwIfAborted();
  const target = new URL(url);
  const secure = target.protocol === "https:";
  // Anything but a string body over http(s) (the SDK sends none) goes to fetch as before.
  if ((!secure && target.protocol !== "http:") || (body != null && typeof body !== "string")) {
    return fetch(url, { method, headers, body: body ?? null, ...(signal ? { signal } : {}) });
  }
  const payload = body ?? undefined;
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = payload === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(payload)) };
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    const options = { method, headers: outgoing, agent: secure ? agents.https : agents.http };
    const req = (secure ? httpsRequest : httpRequest)(target, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      // A connection lost in the middle of the answer ends it without "end" (and not always with "error").
      res.on("close", () => {
        if (!res.complete) fail(new Error("the connection closed before the whole answer arrived"));
      });
      res.on("end", () => {
        signal?.removeEventListener("abort", onAbort);
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status,
          ok: status >= 200 && status < 300,
          headers: {
            get: (name) => {
              const value = res.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
            },
          },
          text: async () => text,
          json: async () => JSON.parse(text) as unknown,
        });
      });
    });
    function fail(error: Error): void {
      signal?.removeEventListener("abort", onAbort);
      if (signal?.aborted) reject(signal.reason);
      else reject(new TypeError("fetch failed", { cause: error }));
    }
    req.on("error", fail);
    signal?.addEventListener("abort", onAbort, { once: true });
    req.end(payload);
  });
}

/** The error for a server that could not be reached, with the cause (ECONNREFUSED, …) in its message. */
export function unreachable(endpoint: Endpoint, error: unknown): TributaryError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new TributaryError("unavailable", `Cannot reach the Tributary server at ${endpoint.baseUrl} (${reason}).`, {
    baseUrl: endpoint.baseUrl,
  });
}

/**
 * Turns a non-2xx response into a `TributaryError` with the server's `code`, message and extra fields,
 * plus `httpStatus` and, when the server sent `Retry-After`, `retryAfterMs` (see `retryDelayFor`).
 */
export async function errorFromResponse(response: Answer): Promise<TributaryError> {
  const text = await response.text().catch(() => "");
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page): keep the text as the message.
  }
  const { code, message, status: _status, ...details } = body;
  const known = typeof code === "string" && code in errorStatus;
  const fallback: ErrorCode = response.status >= 500 ? (response.status === 503 ? "unavailable" : "internal_error") : "invalid_request";
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  const error = new TributaryError(
    known ? (code as ErrorCode) : fallback,
    typeof message === "string" ? message : `HTTP ${response.status}: ${text.slice(0, 200)}`,
    {
      ...details,
      httpStatus: response.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(known || code === undefined ? {} : { serverCode: code }),
    },
  );
  return error;
}

/** A response body read piece by piece (`next` resolves undefined at its end); see `openBody`. */
export interface BodyReader {
  next(): Promise<Uint8Array | undefined>;
  /** Ends the request; a pending `next` rejects. */
  close(): void;
}

/** Pieces a body reader holds for a consumer that has not taken them before it stops reading the socket. */
const heldPieces = 64;

/**
 * A GET whose 2xx body is read piece by piece as it arrives (a live event stream), over `node:http(s)`
 * on a connection of its own. A non-2xx answer is read whole and returned as `{ answer }`. `idleMs`:
 * no byte for that long ends the request with an error (a socket timeout, no timer per piece). Rejects
 * as fetch does on a failure to connect; aborting `signal` ends it.
 */
export function openBody(
  url: string,
  headers: Record<string, string>,
  options: { signal: AbortSignal; idleMs: number },
): Promise<{ reader: BodyReader; answer?: undefined } | { answer: Answer; reader?: undefined }> {
  const { signal } = options;
  signal.throwIfAborted();
  const target = new URL(url);
  const secure = target.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(target, { method: "GET", headers, agent: false }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", () => undefined);
        res.on("close", () => {
          if (!res.complete) reject(new TypeError("fetch failed", { cause: new Error("the connection closed before the whole answer arrived") }));
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            answer: {
              status,
              ok: false,
              headers: { get: (name) => [res.headers[name.toLowerCase()] ?? null].flat().join(", ") || null },
              text: async () => text,
              json: async () => JSON.parse(text) as unknown,
            },
          });
          req.destroy();
        });
        return;
      }
      const pieces: Buffer[] = [];
      let ended = false;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const notify = () => {
        const waiting = wake;
        wake = undefined;
        waiting?.();
      };
      res.on("data", (piece: Buffer) => {
        pieces.push(piece);
        if (pieces.length >= heldPieces) res.pause();
        notify();
      });
      res.on("end", () => {
        ended = true;
        notify();
      });
      res.on("error", (error) => {
        failure ??= error;
        notify();
      });
      res.on("close", () => {
        if (!res.complete) failure ??= new Error("the response was cut off");
        ended = true;
        notify();
      });
      resolve({
        reader: {
          async next() {
            for (;;) {
              if (pieces.length > 0) {
                const piece = pieces.length === 1 ? pieces.pop()! : Buffer.concat(pieces.splice(0));
                if (res.isPaused()) res.resume();
                return piece;
              }
              if (failure) throw failure;
              if (ended) return undefined;
              await new Promise<void>((resolve) => (wake = resolve));
            }
          },
          close: () => req.destroy(),
        },
      });
    });
    const onAbort = () => req.destroy(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal.removeEventListener("abort", onAbort));
    req.setTimeout(options.idleMs, () => req.destroy(new Error(`no byte for ${options.idleMs} ms`)));
    req.on("error", (error) => {
      if (signal.aborted) reject(signal.reason);
      else reject(new TypeError("fetch failed", { cause: error }));
    });
    req.end();
  });
}

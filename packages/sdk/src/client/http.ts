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
export async function request(endpoint: Endpoint, url: string, init: RequestInit = {}, options: { safeToRetry?: boolean } = {}): Promise<Response> {
  const safeToRetry = options.safeToRetry ?? (init.method === undefined || init.method === "GET" || init.method === "PUT");
  let response: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      response = await fetch(url, { ...init, headers: { ...projectHeaders(endpoint), ...(init.headers as Record<string, string>) } });
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
export async function errorFromResponse(response: Response): Promise<TributaryError> {
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

/**
 * Every error the HTTP API returns carries a stable string `code`. This table is the one place that
 * maps a code to its HTTP status; the server's error handler and the SDK both read it.
 */
export const errorStatus = {
  invalid_path: 400,
  invalid_project: 400,
  invalid_cursor: 400,
  invalid_query: 400,
  invalid_event: 400,
  invalid_json: 400,
  invalid_request: 400,
  reserved_type: 400,
  unauthorized: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  host_not_allowed: 403,
  quota_exceeded: 403,
  not_found: 404,
  stream_not_found: 404,
  method_not_allowed: 405,
  offset_conflict: 409,
  stream_config_conflict: 409,
  content_type_mismatch: 409,
  sequence_conflict: 409,
  stream_closed: 409,
  producer_fenced: 403,
  stream_gone: 410,
  has_children: 409,
  stream_exists: 409,
  lease_lost: 409,
  body_too_large: 413,
  request_too_large: 431,
  event_too_large: 413,
  unsupported_media_type: 415,
  stream_paused: 423,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
  storage_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** The JSON body of every error response (RFC 7807 problem details, plus a stable `code`). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  status: number;
  title?: string;
  [extra: string]: unknown;
}

/**
 * An error with a stable code. Thrown by parsers in this package and by the server; rendered by the
 * server's one error handler.
 *
 * @example
 * throw new TributaryError("invalid_cursor", "afterOffset must be a number, 'start' or 'end'");
 */
export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "TributaryError";
    this.code = code;
    this.status = errorStatus[code];
    this.details = details;
  }

  toBody(): ErrorBody {
    return { ...this.details, code: this.code, message: this.message, status: this.status };
  }
}

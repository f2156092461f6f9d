import { TributaryError } from "@tributary/protocol";

/** The protocol's headers (PROTOCOL.md §13.2 and §5.2.1), by the names responses use. */
export const dsHeader = {
  nextOffset: "Stream-Next-Offset",
  upToDate: "Stream-Up-To-Date",
  closed: "Stream-Closed",
  cursor: "Stream-Cursor",
  ttl: "Stream-TTL",
  expiresAt: "Stream-Expires-At",
  seq: "Stream-Seq",
  forkedFrom: "Stream-Forked-From",
  forkOffset: "Stream-Fork-Offset",
  forkSubOffset: "Stream-Fork-Sub-Offset",
  sseEncoding: "Stream-SSE-Data-Encoding",
  producerId: "Producer-Id",
  producerEpoch: "Producer-Epoch",
  producerSeq: "Producer-Seq",
  expectedSeq: "Producer-Expected-Seq",
  receivedSeq: "Producer-Received-Seq",
} as const;

/** §4.1: the header counts only when its value is exactly `true`, case-insensitively; anything else is absence. */
export function isClosedHeader(value: string | undefined): boolean {
  return value?.toLowerCase() === "true";
}

/** The media type a content type names, lower-cased and without parameters: what the protocol compares. */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

export function isJsonContentType(contentType: string): boolean {
  return mediaTypeOf(contentType) === "application/json";
}

/** §5.1: a TTL is a non-negative decimal integer without sign, leading zeros, point or exponent. */
export function parseTtl(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^(0|[1-9]\d{0,9})$/.test(raw)) {
    throw new TributaryError("invalid_request", `Stream-TTL must be a whole number of seconds such as 3600; got ${JSON.stringify(raw)}.`);
  }
  return Number(raw);
}

/** An RFC 3339 timestamp with a time zone (`Z` or `±hh:mm`). */
export function parseExpiresAt(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  if (!rfc3339.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw new TributaryError("invalid_request", `Stream-Expires-At must be an RFC 3339 timestamp such as 2030-01-01T00:00:00Z; got ${JSON.stringify(raw)}.`);
  }
  return raw;
}

export interface ProducerHeaders {
  producerId: string;
  epoch: number;
  seq: number;
}

/** §5.2.1: all three producer headers or none; integers are plain decimal and at most 2^53-1. */
export function parseProducerHeaders(get: (name: string) => string | undefined): ProducerHeaders | undefined {
  const id = get(dsHeader.producerId);
  const epoch = get(dsHeader.producerEpoch);
  const seq = get(dsHeader.producerSeq);
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined) {
    throw new TributaryError("invalid_request", "Producer-Id, Producer-Epoch and Producer-Seq must be sent together.");
  }
  if (id === "") throw new TributaryError("invalid_request", "Producer-Id must not be empty.");
  if (id.length > 256) throw new TributaryError("invalid_request", `Producer-Id is ${id.length} characters long; the limit is 256.`);
  return { producerId: id, epoch: producerInteger("Producer-Epoch", epoch), seq: producerInteger("Producer-Seq", seq) };
}

function producerInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new TributaryError("invalid_request", `${name} must be a non-negative integer no larger than 2^53-1; got ${JSON.stringify(raw)}.`);
  }
  return value;
}

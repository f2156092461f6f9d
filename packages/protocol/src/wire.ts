import { z } from "zod";
import { eventInputSchema } from "./event.ts";
import { projectHeader } from "./project.ts";

/**
 * The wire contract in one place: the header names a client sends, the headers of a webhook delivery, the
 * shapes an append body may take and the frames a reader receives. The server, the SDK and the OpenAPI
 * document import these; nothing else spells them.
 */

/** Request headers a client may send. */
export const requestHeaders = {
  /** Chooses the project (the `project` query parameter does too). */
  project: projectHeader,
  /** `true`: refuse an invalid body with 400 instead of storing it as `stream/invalid-event-appended`. */
  strict: "x-tributary-strict",
  /** SSE resume: read after this offset (overrides `afterOffset`). */
  lastEventId: "last-event-id",
} as const;

/**
 * Headers on every webhook delivery (a subscription's POST). The project header is the same one a client
 * sends, so a receiver that appends back can forward it unchanged.
 */
export const deliveryHeaders = {
  subscription: "tributary-subscription",
  project: projectHeader,
  stream: "tributary-stream",
  offset: "tributary-offset",
  eventType: "tributary-event-type",
  /** `<project>:<stream>:<offset>`: the same for every attempt at one event, for receivers that dedupe. */
  deliveryId: "tributary-delivery-id",
  attempt: "tributary-attempt",
  /** Unix seconds; part of what is signed, so a receiver can refuse old replays. */
  timestamp: "tributary-timestamp",
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, present when the subscription names a secret. */
  signature: "tributary-signature",
} as const;

/** What a signature covers: the delivery's timestamp header, a dot, and the exact body. */
export function signedDeliveryContent(timestamp: string, body: string): string {
  return `${timestamp}.${body}`;
}

/** The one-event forms of an append body: a bare event, or `{ "event": {...} }`. */
export const appendOneBodySchema = z.union([eventInputSchema, z.object({ event: eventInputSchema }).strict()]);

/** A batch, stored atomically: `{ "events": [...] }` with at least one event. */
export const appendBatchBodySchema = z.object({ events: z.array(eventInputSchema).min(1, "events must hold at least one event.") }).strict();

/**
 * Every valid append body. (The server also stores bodies that match none of these, such as a plain webhook
 * payload, as `stream/invalid-event-appended`, unless the request is strict.)
 */
export const appendBodySchema = z.union([appendOneBodySchema, appendBatchBodySchema]);

export type AppendBody = z.input<typeof appendBodySchema>;

/** The wire formats of a stream read: Server-Sent Events, NDJSON, or one JSON page. */
export type ReadFormat = "sse" | "ndjson" | "json";

/** One event as an SSE frame: its offset as `id:` (so `Last-Event-ID` resumes after it) and its JSON on `data:`. */
export function sseFrame(offset: number, json: string): string {
  return `id: ${offset}\ndata: ${json}\n\n`;
}

/** An SSE comment line, which readers ignore; the server sends one as a heartbeat on idle live reads. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** One event as an NDJSON line. */
export function ndjsonLine(json: string): string {
  return `${json}\n`;
}

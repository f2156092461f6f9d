import { z } from "zod";
import { appendBodySchema, builtinEventTypes, errorStatus, eventInputSchema, requestHeaders, storedEventSchema } from "@tributary/protocol";
import { cursorBodySchema } from "../routes/cursors.ts";
import { forkBodySchema } from "../routes/fork-stream.ts";

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

const pathParam = {
  name: "path",
  in: "path",
  required: true,
  description: "The stream path, e.g. jonas/agent (slashes as they are, or %2F-encoded).",
  schema: { type: "string" },
};
const projectParams = [
  { name: requestHeaders.project, in: "header", required: false, description: "The project (namespace); `default` when omitted.", schema: { type: "string" } },
  { name: "project", in: "query", required: false, description: "The project, as a query parameter.", schema: { type: "string" } },
];
const errorResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Error" } } } });

/**
 * The OpenAPI 3.1 document, built from the same zod schemas the server validates with.
 */
export function buildOpenApi(): Record<string, unknown> {
  const eventResponse = { content: { "application/json": { schema: { $ref: "#/components/schemas/StoredEvent" } } } };
  return {
    openapi: "3.1.0",
    info: {
      title: "Tributary HTTP API",
      version: "0.1.0",
      description:
        "Durable event streams addressed by paths. Append with POST, read or tail with GET (Server-Sent Events by default). See /api/docs for the human version and /api/docs/events for the built-in event types.",
    },
    paths: {
      "/api/streams/{path}": {
        post: {
          summary: "Append an event (or a batch) to a stream",
          description:
            'The body is a bare event, {"event": {...}} or {"events": [...]} (atomic). A body that is not a valid event is stored as stream/invalid-event-appended unless strict=true. A repeated idempotencyKey returns the original event with status 200 and the header tributary-idempotent-replay: true.',
          parameters: [
            pathParam,
            ...projectParams,
            {
              name: "strict",
              in: "query",
              required: false,
              description: "Refuse an invalid body with 400 instead of storing it.",
              schema: { type: "boolean" },
            },
            { name: requestHeaders.strict, in: "header", required: false, description: "true: the same as strict=true.", schema: { type: "string" } },
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/AppendBody" },
              },
            },
          },
          responses: {
            "201": { description: "Stored. A batch answers {events, replayed}.", ...eventResponse },
            "200": { description: "Idempotent replay: the original event; nothing appended.", ...eventResponse },
            "400": errorResponse("Invalid path, built-in payload or reserved type (codes invalid_path, invalid_event, reserved_type)."),
            "409": errorResponse("offset_conflict: the offset precondition failed; currentOffset holds the stream's last offset."),
            "413": errorResponse("body_too_large or event_too_large."),
            "423": errorResponse("stream_paused: the stream is paused; reason says why. Not stored."),
          },
        },
        get: {
          summary: "Read a stream (SSE, JSON page or NDJSON), or tail it live",
          description:
            "Server-Sent Events by default: each frame is id: <offset> and data: <event JSON>; heartbeats are comments. Accept: application/json or format=json returns one page with nextAfterOffset. format=ndjson or Accept: application/x-ndjson returns one event per line. live=true sends the backlog then each new event; Last-Event-ID resumes after that offset.",
          parameters: [
            pathParam,
            ...projectParams,
            { name: "afterOffset", in: "query", required: false, description: "Exclusive lower bound: a number, start or end.", schema: { type: "string" } },
            { name: "beforeOffset", in: "query", required: false, description: "Exclusive upper bound: a number, start or end.", schema: { type: "string" } },
            { name: "live", in: "query", required: false, description: "Keep the connection open and send new events.", schema: { type: "boolean" } },
            { name: "format", in: "query", required: false, schema: { type: "string", enum: ["sse", "json", "ndjson"] } },
            { name: "limit", in: "query", required: false, description: "Page size for format=json (1-100000, default 1000).", schema: { type: "integer" } },
            {
              name: "types",
              in: "query",
              required: false,
              description:
                "Only events of these types: a comma-separated list, each exact or ending in * for a prefix (agent-*). Works with every format, the bounds and live=true.",
              schema: { type: "string" },
            },
            {
              name: "q",
              in: "query",
              required: false,
              description:
                "Only events whose stored JSON contains this text (ASCII letters regardless of case; up to 1000 characters). A filtered JSON page examines at most 100,000 events: hasMore and nextAfterOffset say where to continue.",
              schema: { type: "string" },
            },
            {
              name: requestHeaders.lastEventId,
              in: "header",
              required: false,
              description: "Resume after this offset (overrides afterOffset).",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": {
              description: "The events",
              content: {
                "text/event-stream": { schema: { type: "string" } },
                "application/x-ndjson": { schema: { type: "string" } },
                "application/json": { schema: { $ref: "#/components/schemas/EventPage" } },
              },
            },
            "400": errorResponse("invalid_path, invalid_cursor or invalid_query."),
          },
        },
        delete: {
          summary: "Delete a stream",
          description:
            "Removes the stream's events, idempotency keys and consumer cursors. With recursive=true its descendants go too; without it a stream with children is refused (409 has_children). Every remaining ancestor receives stream/child-deleted {childPath}, meaning that path and everything below it. Appending to the path again creates a new stream starting at offset 1.",
          parameters: [pathParam, ...projectParams, { name: "recursive", in: "query", required: false, schema: { type: "boolean" } }],
          responses: {
            "200": {
              description: "Deleted",
              content: { "application/json": { schema: { type: "object", properties: { deletedPaths: { type: "array", items: { type: "string" } } } } } },
            },
            "404": errorResponse("stream_not_found"),
            "409": errorResponse("has_children"),
          },
        },
      },
      "/api/streams/{path}/fork": {
        post: {
          summary: "Fork a stream at an offset",
          description:
            "Creates the stream `to` holding this stream's events up to atOffset, with the same offsets, then stream/forked {from, atOffset}. Copied events keep type, payload, metadata, createdAt, provenance and idempotency key (streamPath is the fork's); consumer cursors and the built-ins' marks come along. Needs read on the source and append on the target. A body that is an event (it has type) is appended to the stream named …/fork instead.",
          parameters: [pathParam, ...projectParams],
          requestBody: { required: true, content: { "application/json": { schema: jsonSchema(forkBodySchema) } } },
          responses: {
            "201": { description: "Forked: the stored stream/forked event.", ...eventResponse },
            "400": errorResponse("invalid_request (atOffset past the source's end, a bad body) or invalid_path."),
            "404": errorResponse("stream_not_found: no source stream."),
            "409": errorResponse("stream_exists: the target already has events."),
          },
        },
      },
      "/api/children/{path}": {
        get: {
          summary: "List a stream's direct children",
          parameters: [pathParam, ...projectParams],
          responses: { "200": { description: "{project, path, streams: [{path, lastOffset, createdAt}], truncated}" } },
        },
      },
      "/api/tree/{path}": {
        get: {
          summary: "List every stream below a path",
          parameters: [
            pathParam,
            ...projectParams,
            {
              name: "status",
              in: "query",
              required: false,
              schema: { type: "boolean" },
              description: "Also give each stream's status from its built-in state: {lastEventAt, paused, failing, agent}.",
            },
          ],
          responses: {
            "200": { description: "{project, path, streams: [{path, lastOffset, createdAt, status?: {lastEventAt, paused, failing, agent}}], truncated}" },
          },
        },
      },
      "/api/state/{path}": {
        get: {
          summary: "A stream's reduced built-in state",
          description: "Event count, last offset, direct children, and each built-in processor's state (pause, …).",
          parameters: [pathParam, ...projectParams],
          responses: { "200": { description: "The state" } },
        },
      },
      "/api/cursors/{path}": {
        get: {
          summary: "Read a consumer's cursor (durable checkpoint)",
          parameters: [pathParam, ...projectParams, { name: "consumer", in: "query", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "{project, path, consumer, offset, exists} (offset 0 and exists false when never set)" } },
        },
        put: {
          summary: "Store a consumer's cursor",
          parameters: [pathParam, ...projectParams, { name: "consumer", in: "query", required: true, schema: { type: "string" } }],
          requestBody: { required: true, content: { "application/json": { schema: jsonSchema(cursorBodySchema) } } },
          responses: { "200": { description: "Stored" }, "400": errorResponse("invalid_json, invalid_request or invalid_query") },
        },
      },
      "/api/secrets": {
        get: {
          summary: "List a project's secret names (never their values)",
          parameters: [...projectParams],
          responses: { "200": { description: "{project, secrets: [{name, updatedAt}]}" } },
        },
      },
      "/api/secrets/{name}": {
        put: {
          summary: "Store a secret (write-only)",
          description:
            'Secrets live outside every stream, per project. Built-ins use them by name (a subscription\'s secretName signs deliveries). The body is {"value": "..."} or the value as text/plain. There is no way to read a value back: GET answers 405.',
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }, ...projectParams],
          responses: { "201": { description: "Created" }, "200": { description: "Replaced" }, "400": errorResponse("invalid_json or invalid_request") },
        },
        delete: {
          summary: "Delete a secret",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }, ...projectParams],
          responses: { "200": { description: "{project, name, deleted: true}" }, "404": errorResponse("not_found") },
        },
      },
      "/api/docs/events/{type}": {
        get: {
          summary: "Documentation of a built-in event type (HTML, or JSON with format=json)",
          parameters: [{ name: "type", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The page" } },
        },
      },
    },
    components: {
      schemas: {
        EventInput: jsonSchema(eventInputSchema),
        AppendBody: jsonSchema(appendBodySchema),
        StoredEvent: jsonSchema(storedEventSchema),
        EventPage: {
          type: "object",
          properties: {
            streamPath: { type: "string" },
            events: { type: "array", items: { $ref: "#/components/schemas/StoredEvent" } },
            nextAfterOffset: { type: "integer", description: "Pass as afterOffset to read the next page." },
            hasMore: { type: "boolean" },
            lastOffset: { type: "integer" },
          },
        },
        Error: {
          type: "object",
          required: ["code", "message", "status"],
          properties: {
            code: { type: "string", enum: Object.keys(errorStatus) },
            message: { type: "string" },
            status: { type: "integer" },
          },
        },
        ...Object.fromEntries([...builtinEventTypes.values()].map((type) => [`Payload:${type.type}`, jsonSchema(type.payload)])),
      },
    },
  };
}

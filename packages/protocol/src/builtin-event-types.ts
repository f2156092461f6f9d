import { z } from "zod";
import { eventInputSchema, jsonObjectSchema } from "./event.ts";

/** One built-in event type: its payload schema is the single source for validation, docs and presets. */
export interface BuiltinEventType {
  type: string;
  title: string;
  description: string;
  payload: z.ZodType;
  example: Record<string, unknown>;
  /**
   * The event the UI's composer offers as a template for this type (an event input), when the example
   * payload is not the best starting point. Server-only types have none: they cannot be appended.
   */
  preset?: { type: string; payload: Record<string, unknown> };
  /** `server`: only the server appends it; a client's append of it is refused. */
  appendedBy: "server" | "anyone";
}

const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9\-_.]{0,127}$/, "slug must be 1-128 letters, digits, '-', '_' or '.'")
  .describe("A name unique within the stream for this kind of configuration.");

const jsonata = z.string().min(1).max(10_000);

export const scheduleSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("once-at"), at: z.iso.datetime({ offset: true }).describe("ISO-8601 time to fire at.") }).strict(),
  z.object({ kind: z.literal("once-in"), seconds: z.number().positive().max(315_360_000).describe("Delay before firing.") }).strict(),
  z.object({ kind: z.literal("every"), seconds: z.number().min(0.1).max(315_360_000).describe("Interval between firings.") }).strict(),
  z
    .object({
      kind: z.literal("cron"),
      cron: z.string().min(9).max(200).describe("A 5- or 6-field cron expression."),
      timezone: z.string().optional().describe("IANA time zone; UTC by default."),
    })
    .strict(),
]);

const types: BuiltinEventType[] = [
  {
    type: "stream/paused",
    title: "Stream paused",
    description:
      "Pauses the stream: every later append except `stream/resumed` is refused with status 423 and the reason. The circuit breaker appends it too. Refusals are not stored.",
    payload: z
      .object({
        reason: z.string().min(1, "reason must say why the stream is paused").max(2000),
        by: z.string().max(200).optional().describe("What paused it, when not a person: `circuit-breaker` when the breaker tripped."),
      })
      .strict(),
    example: { reason: "investigating a loop" },
    appendedBy: "anyone",
  },
  {
    type: "stream/resumed",
    title: "Stream resumed",
    description: "Resumes a paused stream; appends are accepted again. Always accepted, paused or not.",
    payload: z.object({ reason: z.string().min(1, "reason must say why the stream is resumed").max(2000) }).strict(),
    example: { reason: "loop fixed" },
    appendedBy: "anyone",
  },
  {
    type: "stream/child-created",
    title: "Child stream created",
    description:
      "Appended by the server to every ancestor of a stream when that stream is created (by its first append), so that watching one stream is enough to discover all its descendants.",
    payload: z.object({ childPath: z.string().describe("The path of the new descendant stream.") }).strict(),
    example: { childPath: "/jonas/agent/researcher" },
    appendedBy: "server",
  },
  {
    type: "stream/child-deleted",
    title: "Child stream deleted",
    description: "Appended by the server to every remaining ancestor of a stream when that stream is deleted.",
    payload: z.object({ childPath: z.string() }).strict(),
    example: { childPath: "/jonas/agent/researcher" },
    appendedBy: "server",
  },
  {
    type: "stream/forked",
    title: "Stream forked",
    description:
      "Appended by the server as the first event of a fork, right after the copied events. `POST /api/streams/<from>/fork {atOffset, to}` creates the stream `to` holding `from`'s events up to `atOffset` with the same offsets (each with `streamPath` set to the fork; type, payload, metadata, `createdAt` and provenance unchanged), then this event at `atOffset + 1`. From here on the fork is a stream of its own: an agent on it answers the next input from the history up to the fork point.",
    payload: z
      .object({
        from: z.string().describe("The stream the events were copied from."),
        atOffset: z.number().int().min(0).describe("The last copied offset (0: nothing was copied)."),
      })
      .strict(),
    example: { from: "/jonas/agent", atOffset: 42 },
    appendedBy: "server",
  },
  {
    type: "stream/invalid-event-appended",
    title: "Invalid event appended",
    description:
      "Stored in place of a request body that is not a valid event (no `type`, wrong shapes, a form-encoded or non-JSON webhook body), so that any webhook can post to a stream and a processor can make sense of it.",
    payload: z
      .object({
        rawInput: z.unknown().describe("The body as received: parsed JSON, form fields as an object, or the raw text."),
        error: z.string().describe("Why the body is not a valid event."),
        contentType: z.string().optional().describe("The request's Content-Type."),
      })
      .strict(),
    example: { rawInput: { hogwash: "yes!" }, error: "type: Invalid input: expected string, received undefined", contentType: "application/json" },
    appendedBy: "server",
  },
  {
    type: "stream/error-occurred",
    title: "Error occurred",
    description: "A built-in or hosted processor failed while handling an event. Errors are events, never silent.",
    payload: z
      .object({
        message: z.string(),
        processor: z.string().optional().describe("The slug of the processor that failed."),
        offset: z.number().int().optional().describe("The offset of the event it was handling."),
      })
      .passthrough(),
    example: { message: "fetch failed", processor: "my-processor", offset: 12 },
    appendedBy: "anyone",
  },
  {
    type: "circuit-breaker/configured",
    title: "Circuit breaker configured",
    description:
      "Sets the stream's circuit breaker: more than `maxEvents` events within `windowSeconds` appends `stream/paused` with `by: circuit-breaker` and a reason that names the breaker. The default is 100 events in 1 second (a server can change its default). The server's bookkeeping about other streams (`stream/child-created`, `stream/child-deleted`) and pause/resume themselves are not counted, so creating many streams never pauses their ancestors.",
    payload: z
      .object({
        maxEvents: z.number().int().min(1).max(1_000_000),
        windowSeconds: z.number().positive().max(86_400),
      })
      .strict(),
    example: { maxEvents: 100, windowSeconds: 1 },
    appendedBy: "anyone",
  },
  {
    type: "schedule/configured",
    title: "Schedule configured",
    description:
      "Asks the server to append `event` later: once at a time, once after a delay (counted from this event), every N seconds, or on a cron expression (UTC unless `timezone`). Each firing is the event itself, with `metadata.scheduledBy {slug, scheduleOffset, dueAt}`; it passes the same gates as a client's append. A schedule with the same slug replaces the old one. Schedules survive restarts; firings that came due while the server was down or the stream was paused collapse into one, at start or on resume. A bad cron expression or time zone is refused with 400; a schedule past the server's quotas (per stream, per project, or firing more often than its minimum interval, 1 s by default) with 403 `quota_exceeded`.",
    payload: z
      .object({
        slug,
        event: eventInputSchema
          .omit({ offset: true, idempotencyKey: true })
          .describe("The event to append at each firing (no offset or idempotencyKey: each firing gets its own key)."),
        schedule: scheduleSchema,
      })
      .strict(),
    example: { slug: "heartbeat", event: { type: "heartbeat" }, schedule: { kind: "every", seconds: 5 } },
    preset: {
      type: "schedule/configured",
      payload: {
        slug: "reminder",
        event: { type: "agent-input-added", payload: { content: "Time to check in." } },
        schedule: { kind: "once-in", seconds: 60 },
      },
    },
    appendedBy: "anyone",
  },
  {
    type: "schedule/cancelled",
    title: "Schedule cancelled",
    description: "Cancels the schedule with this slug. Cancelling a slug that has no active schedule is refused with 400.",
    payload: z.object({ slug }).strict(),
    example: { slug: "heartbeat" },
    preset: { type: "schedule/cancelled", payload: { slug: "reminder" } },
    appendedBy: "anyone",
  },
  {
    type: "subscription/configured",
    title: "Push subscription configured",
    description:
      "Makes the server POST every matching event appended after this one to `url`: the stored event as JSON, in order, at least once, retried with exponential backoff (0.5 s doubling to 60 s) from a persisted cursor (consumer `subscription:<slug>`). `types` limits it to some event types; `filter` is a JSONata expression over the stored event; `headers` are sent with each delivery; a credential (a header such as Authorization, Cookie, X-Api-Key, or a value that looks like one) must be a `{{secret:NAME}}` placeholder, filled in from the project's secrets on the way out and only to a host in the secret's allowedHosts, so the stream never holds the credential and an event cannot send it elsewhere. Each delivery carries `tributary-offset`, `tributary-delivery-id` (for dropping repeats) and `tributary-timestamp`; with `secretName` (a secret set with PUT /api/secrets/<name>) also `tributary-signature: sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\">`. Configuring the slug again changes it and keeps its cursor. A new slug past the server's quotas (20 per stream and 200 per project by default) is refused with 403 `quota_exceeded`.",
    payload: z
      .object({
        slug,
        url: z.url(),
        types: z.array(z.string().min(1)).optional(),
        filter: jsonata.optional(),
        headers: z.record(z.string(), z.string()).optional(),
        secretName: z.string().min(1).optional(),
      })
      .strict(),
    example: { slug: "my-webhook", url: "https://example.com/hooks/tributary", types: ["agent-output-added"] },
    appendedBy: "anyone",
  },
  {
    type: "subscription/removed",
    title: "Push subscription removed",
    description: "Stops the push subscription with this slug. Removing a slug that is not configured is refused with 400.",
    payload: z.object({ slug }).strict(),
    example: { slug: "my-webhook" },
    appendedBy: "anyone",
  },
  {
    type: "subscription/delivery-failed",
    title: "Subscription delivery failed",
    description:
      "Appended by the server after each failed delivery attempt: which event (`offset`), which attempt, why, and when the next attempt is due. Never delivered itself, so a failing receiver cannot cause a loop.",
    payload: z.object({ slug, offset: z.number().int(), attempt: z.number().int(), error: z.string(), nextAttemptAt: z.string().optional() }).strict(),
    example: { slug: "my-webhook", offset: 42, attempt: 3, error: "HTTP 503" },
    appendedBy: "server",
  },
  {
    type: "transformer/configured",
    title: "JSON transformer configured",
    description:
      "For every later event for which the JSONata `matcher` is truthy, appends the event that the JSONata `transform` yields (an event input, or an array of them), with `metadata.transformedBy {slug, sourceOffset, depth}`. Turns, say, a raw Slack form post into an agent input. A transformer never sees its own outputs, and chains of transformers stop at depth 4. Invalid JSONata is refused with 400; a transform that fails on an event appends `stream/error-occurred`.",
    payload: z.object({ slug, matcher: jsonata, transform: jsonata }).strict(),
    example: {
      slug: "slack-to-agent",
      matcher: "type = 'stream/invalid-event-appended' and payload.rawInput.command = '/ask'",
      transform: "{ 'type': 'agent-input-added', 'payload': { 'content': payload.rawInput.text } }",
    },
    appendedBy: "anyone",
  },
  {
    type: "transformer/removed",
    title: "JSON transformer removed",
    description: "Removes the transformer with this slug. Removing a slug that is not configured is refused with 400.",
    payload: z.object({ slug }).strict(),
    example: { slug: "slack-to-agent" },
    appendedBy: "anyone",
  },
  {
    type: "processor/deployed",
    title: "Processor deployed",
    description:
      "Deploys a hosted processor: `script` is a JavaScript module (bundled by `tributary deploy`) whose default export, or only processor export, is a processor. The server runs it in a sandboxed V8 isolate on this stream: it reduces the history, calls onCaughtUp, then runs afterAppend for every later event, with append limited to this stream and its descendants and fetch proxied through the server. Limits per call: CPU time, memory and wall time; a call that hits one appends `stream/error-occurred`, and repeated failures suspend the processor. Redeploying a slug replaces it (its state is rebuilt); it runs again after a server restart. A module the sandbox cannot load is refused with 400. See docs/hosted-processors.md.",
    payload: z.object({ slug, script: z.string().min(1).max(5_000_000) }).strict(),
    example: { slug: "ping-pong", script: "export default { slug: 'ping-pong', initialState: {}, reduce: ({ state }) => state };" },
    appendedBy: "anyone",
  },
  {
    type: "processor/removed",
    title: "Processor removed",
    description: "Stops and removes the hosted processor with this slug.",
    payload: z.object({ slug }).strict(),
    example: { slug: "ping-pong" },
    appendedBy: "anyone",
  },
  {
    type: "processor/started",
    title: "Processor started",
    description:
      "A hosted processor caught up on the stream and is running: after its deployment, and again after every server restart. `snapshotOffset`: its state was restored from the `processor/snapshotted` of that offset; `reduced`: how many events it reduced to catch up.",
    payload: z
      .object({
        slug,
        deployedOffset: z.number().int().describe("The offset of the `processor/deployed` event it runs."),
        snapshotOffset: z
          .number()
          .int()
          .optional()
          .describe("The offset of the last event its restored state had reduced; absent when it reduced the history from the start."),
        reduced: z.number().int().optional().describe("How many events it reduced before it started."),
      })
      .strict(),
    example: { slug: "ping-pong", deployedOffset: 3, snapshotOffset: 2000, reduced: 41 },
    appendedBy: "server",
  },
  {
    type: "processor/logged",
    title: "Processor logged",
    description:
      "A hosted processor's `logger` (or `console`) call. Bounded (message 2,000 characters, fields 4 KiB) and rate-limited per processor; `dropped` counts the calls left out since the previous one.",
    payload: z
      .object({
        slug,
        level: z.enum(["debug", "info", "warn", "error"]),
        message: z.string(),
        fields: z.record(z.string(), z.unknown()).optional(),
        offset: z.number().int().optional().describe("The offset of the event being handled."),
        dropped: z.number().int().optional(),
      })
      .strict(),
    example: { slug: "ping-pong", level: "info", message: "answered", offset: 4 },
    appendedBy: "server",
  },
  {
    type: "processor/snapshotted",
    title: "Processor snapshotted",
    description:
      "The state of a hosted processor after it handled the event at `offset`, kept so a restart (or a reload after a limit) restores it and reduces only the later events instead of the whole history. Written by the server every so many events (`snapshotEvery`, 1,000 by default) while the state's JSON fits in an event; a redeploy does not use the snapshots of an earlier deployment.",
    payload: z
      .object({
        slug,
        deployedOffset: z.number().int().describe("The offset of the `processor/deployed` event of the deployment whose state this is."),
        offset: z.number().int().describe("The offset of the last event reduced into `state`."),
        state: z.unknown().describe("The processor's state as JSON."),
      })
      .strict(),
    example: { slug: "ping-pong", deployedOffset: 3, offset: 2000, state: { seen: 1000 } },
    appendedBy: "server",
  },
  {
    type: "processor/suspended",
    title: "Processor suspended",
    description:
      "The server stopped a hosted processor after it failed this many calls in a row (or its module could not be loaded). Deploying the slug again starts it anew.",
    payload: z.object({ slug, reason: z.string(), failures: z.number().int() }).strict(),
    example: { slug: "ping-pong", reason: "3 calls in a row failed; the last: the call used more than its CPU time limit of 100 ms", failures: 3 },
    appendedBy: "server",
  },
];

/** The built-in event types, by type. */
export const builtinEventTypes: ReadonlyMap<string, BuiltinEventType> = new Map(types.map((t) => [t.type, t]));

/** The reserved namespaces: only the types listed in `builtinEventTypes` may be appended in them. */
export const reservedNamespaces = ["stream/", "schedule/", "subscription/", "transformer/", "processor/", "circuit-breaker/"] as const;

export function isReservedType(type: string): boolean {
  return reservedNamespaces.some((namespace) => type.startsWith(namespace));
}

export { jsonObjectSchema };

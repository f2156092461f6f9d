import { z } from "zod";

/** A JSON object (the shape of `payload` and `metadata`). */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

/**
 * An event as a client appends it. Only `type` is required. `offset` is a precondition: the append is
 * refused unless the event would get exactly that offset.
 */
export const eventInputSchema = z
  .object({
    type: z
      .string({ error: (issue) => (issue.input === undefined ? "type is required (a non-empty string)" : "type must be a string") })
      .min(1, "type must be a non-empty string")
      .max(512)
      .describe("The event's type: a free-form string, or a built-in type such as stream/paused."),
    payload: jsonObjectSchema.optional().describe("The event's data: a JSON object. Defaults to {}."),
    metadata: jsonObjectSchema.optional().describe("Free-form data about the event (who, why, tracing)."),
    idempotencyKey: z.string().min(1).max(512).optional().describe("A repeated key on the same stream returns the original event and appends nothing."),
    offset: z.number().int().positive().optional().describe("Precondition: the offset this event must get, or the append is refused with 409."),
  })
  .strict();

export type EventInput = z.input<typeof eventInputSchema>;

/**
 * Who appended an event, set by the server and never taken from the client (an input with this field is
 * not an event): a token (`--auth`), or a built-in or hosted processor with the event that caused it.
 * Absent on a client's append to a server without `--auth` (anonymous).
 */
export const provenanceSchema = z.union([
  z.object({ kind: z.literal("token"), id: z.string(), name: z.string() }).strict(),
  z
    .object({
      kind: z.literal("processor"),
      slug: z.string(),
      causedBy: z.object({ streamPath: z.string(), offset: z.number().int().positive() }).strict().optional(),
    })
    .strict(),
]);

export type Provenance = z.infer<typeof provenanceSchema>;

/** An event as stored and served: the input plus `streamPath`, `offset` and `createdAt` (and `appendedBy`). */
export const storedEventSchema = z.object({
  type: z.string(),
  payload: jsonObjectSchema,
  streamPath: z.string().describe("The path of the stream the event belongs to."),
  offset: z.number().int().positive().describe("1 for a stream's first event; dense and strictly increasing."),
  createdAt: z.string().describe("ISO-8601 time the server stored the event."),
  metadata: jsonObjectSchema.optional(),
  idempotencyKey: z.string().optional(),
  appendedBy: provenanceSchema.optional().describe("Who appended it (set by the server; absent for anonymous appends without --auth)."),
});

export type StoredEvent<TPayload extends Record<string, unknown> = Record<string, unknown>> = Omit<z.infer<typeof storedEventSchema>, "payload"> & {
  payload: TPayload;
};

/** Request bodies the append endpoint understands besides a bare event. */
export const wrappedEventSchema = z.object({ event: z.unknown() }).strict();
export const eventBatchSchema = z.object({ events: z.array(z.unknown()).min(1, "events must hold at least one event") }).strict();

/** Renders zod issues as one readable sentence that says what to fix. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "event";
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

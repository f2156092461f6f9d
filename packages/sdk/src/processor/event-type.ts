import { describeIssues, TributaryError, type EventInput, type StoredEvent } from "@tributary/protocol";
import type { z } from "zod";

type PayloadSchema = z.ZodType<Record<string, unknown>>;

/** A stored event of one declared type, its payload parsed by the type's schema. */
export type TypedEvent<Name extends string, Payload> = Omit<StoredEvent, "type" | "payload"> & { type: Name; payload: Payload };

/** One case of `matchEvent`, made by `EventType.on`. */
export interface EventCase<Result> {
  type: string;
  handle(event: StoredEvent): { matched: true; value: Result } | { matched: false };
}

export interface EventType<Name extends string, Schema extends PayloadSchema> {
  readonly type: Name;
  readonly schema: Schema;
  /** An event input of this type; the payload is validated (throws `invalid_event` saying what to fix). */
  create(payload: z.input<Schema>, extra?: Pick<EventInput, "metadata" | "idempotencyKey">): EventInput & { type: Name; payload: z.output<Schema> };
  /** True when the event has this type and its payload passes the schema. */
  is(event: StoredEvent): event is StoredEvent & TypedEvent<Name, z.output<Schema>>;
  /** The event with its payload parsed, or `undefined` when it is another type or does not pass the schema. */
  parse(event: StoredEvent): TypedEvent<Name, z.output<Schema>> | undefined;
  /** A case for `matchEvent`. */
  on<Result>(handler: (event: TypedEvent<Name, z.output<Schema>>) => Result): EventCase<Result>;
}

/**
 * Declares an event type with a zod schema for its payload: one source for building, checking and
 * matching events of that type.
 *
 * @example
 * const Increment = defineEventType("increment", z.object({ by: z.number().int().default(1) }));
 * await client.append({ path: "/counter", event: Increment.create({ by: 2 }) });
 * if (Increment.is(event)) total += event.payload.by;
 */
export function defineEventType<Name extends string, Schema extends PayloadSchema>(type: Name, schema: Schema): EventType<Name, Schema> {
  const parse = (event: StoredEvent): TypedEvent<Name, z.output<Schema>> | undefined => {
    if (event.type !== type) return undefined;
    const result = schema.safeParse(event.payload ?? {});
    return result.success ? ({ ...event, type, payload: result.data } as TypedEvent<Name, z.output<Schema>>) : undefined;
  };
  return {
    type,
    schema,
    create(payload, extra = {}) {
      const result = schema.safeParse(payload);
      if (!result.success) throw new TributaryError("invalid_event", `Invalid ${type} payload: ${describeIssues(result.error)}.`, { type });
      return { ...extra, type, payload: result.data as z.output<Schema> };
    },
    is: (event): event is StoredEvent & TypedEvent<Name, z.output<Schema>> => parse(event) !== undefined,
    parse,
    on(handler) {
      return {
        type,
        handle(event) {
          const typed = parse(event);
          return typed ? { matched: true, value: handler(typed) } : { matched: false };
        },
      };
    },
  };
}

/**
 * Runs the first case whose type matches the event and whose schema accepts its payload; `undefined`
 * when none does. Inside `reduce` that means "state unchanged", which keeps reduce total: an event whose
 * payload does not pass its schema is ignored, not thrown on.
 *
 * @example
 * reduce: ({ event, state }) => matchEvent(event, [
 *   Increment.on((e) => ({ count: state.count + e.payload.by })),
 *   Reset.on(() => ({ count: 0 })),
 * ]),
 */
export function matchEvent<Result>(event: StoredEvent, cases: EventCase<Result>[]): Result | undefined {
  for (const eventCase of cases) {
    if (eventCase.type !== event.type) continue;
    const outcome = eventCase.handle(event);
    if (outcome.matched) return outcome.value;
  }
  return undefined;
}

import { describeIssues, eventInputSchema, TributaryError, type StoredEvent } from "@tributary/protocol";
import { checkBuiltin } from "../../append/parse-append-body.ts";
import type { PreparedEvent } from "../../store/stream-store.ts";
import { compileJsonata, isTruthy } from "../shared/jsonata-expression.ts";
import type { TransformerEntry } from "./transformer-state.ts";

/** What a transform may yield, built once (zod's `omit` builds a new schema on every call: ~140 µs). */
const outputInputSchema = eventInputSchema.omit({ offset: true, idempotencyKey: true });

/** Chains longer than this (a transformer's output transformed again, and so on) are stopped. */
export const maxChainDepth = 4;
const maxOutputs = 100;
/** The server's default event size limit; a transform must not get around it. */
const maxOutputBytes = 1024 * 1024;

/** What a transformer makes of one event: events to append, nothing, or a failure to record. */
export type TransformOutcome = { kind: "none" } | { kind: "events"; events: PreparedEvent[] } | { kind: "failed"; message: string };

/**
 * Runs one transformer on one stored event: the JSONata `matcher` decides, the JSONata `transform`
 * yields an event input (or an array of them, appended atomically). Each output is checked like a
 * client's event, and carries `metadata.transformedBy {slug, sourceOffset, depth}` and an idempotency key
 * made of the slug and the source offset, so a retry after a crash never appends it twice.
 *
 * @example
 * await transformEvent(entry, storedEvent, 0); // { kind: "events", events: [{ type: "agent-input-added", … }] }
 */
export async function transformEvent(entry: TransformerEntry, event: StoredEvent, depth: number): Promise<TransformOutcome> {
  const matcher = compileJsonata(entry.matcher);
  const transform = compileJsonata(entry.transform);
  if (!matcher.ok) return { kind: "failed", message: `the matcher does not compile: ${matcher.message}` };
  if (!transform.ok) return { kind: "failed", message: `the transform does not compile: ${transform.message}` };
  try {
    if (!isTruthy(await matcher.evaluate(event))) return { kind: "none" };
  } catch (error) {
    return { kind: "failed", message: `the matcher failed: ${(error as Error).message}` };
  }
  if (depth >= maxChainDepth) {
    return {
      kind: "failed",
      message: `the event is the output of a chain of ${depth} transformers; not transforming it further (a loop between transformers?)`,
    };
  }
  let result: unknown;
  try {
    result = await transform.evaluate(event);
  } catch (error) {
    return { kind: "failed", message: `the transform failed: ${(error as Error).message}` };
  }
  if (result === undefined) return { kind: "none" };
  const inputs = Array.isArray(result) ? result : [result];
  if (inputs.length > maxOutputs) return { kind: "failed", message: `the transform yielded ${inputs.length} events; at most ${maxOutputs} per event` };
  const events: PreparedEvent[] = [];
  for (const [index, input] of inputs.entries()) {
    const parsed = outputInputSchema.safeParse(input);
    if (!parsed.success) return { kind: "failed", message: `the transform did not yield an event input: ${describeIssues(parsed.error)}` };
    const { type, payload = {}, metadata } = parsed.data;
    const output: PreparedEvent = {
      type,
      payload,
      metadata: { ...metadata, transformedBy: { slug: entry.slug, sourceOffset: event.offset, depth: depth + 1 } },
      idempotencyKey: `transformer:${entry.slug}:${entry.configuredOffset}:${event.offset}${inputs.length > 1 ? `:${index}` : ""}`,
    };
    const size = Buffer.byteLength(JSON.stringify(output));
    if (size > maxOutputBytes) return { kind: "failed", message: `the transform yielded an event of ${size} bytes; the limit is ${maxOutputBytes}` };
    try {
      checkBuiltin(output);
    } catch (error) {
      if (error instanceof TributaryError) return { kind: "failed", message: `the transform yielded an event the stream refuses: ${error.message}` };
      throw error;
    }
    events.push(output);
  }
  return { kind: "events", events };
}

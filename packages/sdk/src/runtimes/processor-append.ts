import { createHash } from "node:crypto";
import { assertKnownOptions, resolveStreamPath, type EventInput, type ProcessorAppend, type ProcessorAppendInput, type StoredEvent } from "@tributary/protocol";
import type { EventsClient } from "../client/events-client.ts";

export interface AppendScope {
  client: EventsClient;
  /** The processor's slug, recorded as `metadata.processor` on what it appends. */
  slug: string;
  /** Relative paths resolve against this stream. */
  base: string;
  /** The event whose side effect is appending, recorded as `metadata.causedBy`. */
  cause?: StoredEvent | undefined;
  /** With a durable consumer name, appends get idempotency keys derived from the cause. */
  consumer?: string | undefined;
  /** Told of every stored event (the testing helper collects them). */
  onAppend?: ((event: StoredEvent) => void) | undefined;
}

/**
 * The `append` a processor's `afterAppend` / `onCaughtUp` receives.
 *
 * 1. `path` may be absolute or relative to the stream being handled (`.`, `./child`, `../sibling`).
 * 2. Each event records provenance in its metadata: `processor` (the slug) and `causedBy` (`{path, offset}`
 *    of the event being handled); fields the event sets itself win.
 * 3. `append({ type, payload })` (an event without the `{ event }` wrapper, as older workshop code writes it)
 *    appends that event to the stream being handled. Other keys beside `event` and `path` are a TypeError.
 * 4. Under a durable consumer name, the n-th append of one `afterAppend` call gets the idempotency key
 *    `<consumer>:<cause path>:<cause offset>:<n>` unless it has its own: when the call runs again after a
 *    crash (at-least-once), the server returns the events it stored the first time instead of storing
 *    them twice, as long as the call appends the same way.
 *
 * @example
 * const append = createProcessorAppend({ client, slug: "ping-pong", base: "/jonas/agent" });
 * await append({ path: "./researcher", event: { type: "task-assigned" } }); // → /jonas/agent/researcher
 */
export function createProcessorAppend(scope: AppendScope): ProcessorAppend {
  let sequence = 0;
  // Typed as ProcessorAppend; the bare-event form (point 3) is accepted at run time for untyped code.
  return async (given) => {
    const { event, path } = unwrap(given as ProcessorAppendInput | EventInput);
    const target = resolveStreamPath(scope.base, path);
    const metadata: Record<string, unknown> = { processor: scope.slug, ...event.metadata };
    if (scope.cause && metadata.causedBy === undefined) metadata.causedBy = { path: scope.cause.streamPath, offset: scope.cause.offset };
    const input: EventInput = { ...event, metadata };
    if (input.idempotencyKey === undefined && scope.consumer && scope.cause) {
      input.idempotencyKey = idempotencyKey(`${scope.consumer}:${scope.cause.streamPath}:${scope.cause.offset}:${sequence}`);
    }
    sequence += 1;
    const stored = await scope.client.append({ path: target, event: input });
    scope.onAppend?.(stored);
    return stored;
  };
}

function unwrap(given: ProcessorAppendInput | EventInput): ProcessorAppendInput {
  if (typeof given === "object" && given !== null && !("event" in given) && typeof (given as EventInput).type === "string")
    return { event: given as EventInput };
  assertKnownOptions("append", given, ["event", "path"]);
  const wrapped = given as ProcessorAppendInput;
  if (typeof wrapped?.event !== "object" || wrapped.event === null)
    throw new TypeError("append: pass { event: { type, payload? }, path? } (or the event itself).");
  return wrapped;
}

/** Keys are readable when short; hashed past the server's 512-character limit. */
function idempotencyKey(raw: string): string {
  return raw.length <= 512 ? raw : `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

/** True when `event` was appended by the processor with this slug (its provenance says so). */
export function appendedBy(event: StoredEvent, slug: string): boolean {
  return event.metadata?.processor === slug;
}

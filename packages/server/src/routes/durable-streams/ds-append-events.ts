import type { ServerParts } from "../../context.ts";
import type { PreparedEvent } from "../../store/stream-store.ts";
import type { DsStream } from "./ds-stream.ts";

/**
 * Stores a DS append and resolves the stream's new tail. Event streams go through the appender as any
 * client's append does, so the built-in gates (pause, circuit breaker) apply to the DS face too; byte
 * streams, which no built-in watches, are appended as the server.
 */
export async function appendEvents(parts: ServerParts, stream: DsStream, events: PreparedEvent[]): Promise<number> {
  if (events.length === 0) return stream.tail;
  if (stream.meta.kind === "events") {
    const result = await parts.appender.appendAsClient(stream.storeProject, stream.storePath, events);
    // An event's own idempotency key may hand back an older event: the tail never moves back.
    return Math.max(stream.tail, ...result.events.map((appended) => appended.event.offset));
  }
  const stored = await parts.appender.appendAsServer(stream.storeProject, stream.storePath, events);
  return stored.at(-1)!.offset;
}

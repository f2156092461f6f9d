import type { StoredEvent } from "@tributary/protocol";
import type { ApiClient } from "../api/api-client.ts";

/** The event types `buildTrace` reads, but for the chunks: of those it needs only each request's first. */
export const traceTypes = [
  "agent-system-prompt-changed",
  "agent-tool-announced",
  "agent-tool-withdrawn",
  "agent-input-added",
  "agent-context-added",
  "agent-history-compacted",
  "agent-request-started",
  "agent-output-completed",
  "agent-request-failed",
  "agent-request-cancelled",
  "agent-tool-call-requested",
  "agent-tool-call-completed",
  "agent-run-ended",
] as const;

const traceTypeSet = new Set<string>(traceTypes);
const chunkType = "agent-output-chunk-received";
const pageLimit = 1000;

/** True for an event the trace is built from: a trace type, or a request's first chunk (its time to first token). */
export function isTraceEvent(event: StoredEvent): boolean {
  return traceTypeSet.has(event.type) || (event.type === chunkType && event.payload.index === 0);
}

/**
 * Every event of a stream the trace needs, from the whole stream, not only the window a view holds: read
 * with the server's filters (`types=`, and `q="index":0` for the first chunk of each request, so the
 * thousands of other chunks never travel), page after page, in offset order.
 *
 * @example
 * const events = await loadTraceEvents(api, "/me/agent");
 * traceView(buildTrace(events), href);
 */
export async function loadTraceEvents(api: ApiClient, path: string, signal?: AbortSignal): Promise<StoredEvent[]> {
  const [steps, firstChunks] = await Promise.all([
    readFiltered(api, path, { types: traceTypes.join(",") }, signal),
    // Integers have no leading zeros, so `"index":0` is the first chunk and no other.
    readFiltered(api, path, { types: chunkType, q: '"index":0' }, signal),
  ]);
  return mergeByOffset(steps, firstChunks.filter(isTraceEvent));
}

/** Merges event lists into one, in offset order, each offset once. */
export function mergeByOffset(...lists: readonly (readonly StoredEvent[])[]): StoredEvent[] {
  const byOffset = new Map<number, StoredEvent>();
  for (const list of lists) for (const event of list) byOffset.set(event.offset, event);
  return [...byOffset.values()].sort((a, b) => a.offset - b.offset);
}

async function readFiltered(api: ApiClient, path: string, filter: { types: string; q?: string }, signal?: AbortSignal): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ;) {
    if (signal?.aborted) return events;
    const page = await api.page(path, { afterOffset: after, limit: pageLimit, ...filter });
    events.push(...page.events);
    // A filtered page may stop short of the limit, even empty, with `hasMore`: it says where to go on.
    if (!page.hasMore || page.nextAfterOffset <= after) return events;
    after = page.nextAfterOffset;
  }
}

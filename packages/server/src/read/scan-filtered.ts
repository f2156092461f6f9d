import type { StreamPath } from "@tributary/protocol";
import type { EncodedPage, EventFilter, StreamStore } from "../store/stream-store.ts";

export interface FilteredScan {
  store: StreamStore;
  project: string;
  path: StreamPath;
  filter: EventFilter;
  format: "sse" | "ndjson" | "json";
  /** Exclusive lower bound. */
  afterOffset: number;
  /** Exclusive upper bound: the stream's head + 1 at most (the caller knows the head). */
  endOffset: number;
  /** Matching events per page. */
  pageSize: number;
  /** Offsets examined per store call: one call stays short even when nothing matches. */
  window: number;
  /** Stop after this many matching events in all (default: no limit). */
  maxEvents?: number;
  /** Stop after examining this many offsets in all (default: no limit). */
  maxScanned?: number;
}

/**
 * Reads the matching events of a range, page by page, examining at most `window` offsets per
 * store call. Each page says how far it examined (`coveredThrough`): a page may hold no event when none
 * matched in its window, and the next one continues after it. Between calls it yields to the event
 * loop, so a scan of a million events that matches nothing does not stall other requests.
 *
 * Offsets are dense, so a window of N offsets is N events and the windows add up to the whole range.
 *
 * @example
 * for await (const page of scanFiltered({ store, project, path, filter, format: "sse", afterOffset: 0, endOffset: head + 1, pageSize: 1000, window: 10_000 })) res.write(page.bytes);
 */
export async function* scanFiltered(scan: FilteredScan): AsyncGenerator<EncodedPage & { coveredThrough: number }> {
  let covered = scan.afterOffset;
  let found = 0;
  const maxEvents = scan.maxEvents ?? Number.POSITIVE_INFINITY;
  const scanEnd = Math.min(scan.endOffset, scan.afterOffset + 1 + (scan.maxScanned ?? Number.POSITIVE_INFINITY));
  while (covered + 1 < scanEnd && found < maxEvents) {
    if (covered > scan.afterOffset) await new Promise((resolve) => setImmediate(resolve));
    const windowEnd = Math.min(scanEnd, covered + 1 + scan.window);
    const limit = Math.min(scan.pageSize, maxEvents - found);
    const range = { afterOffset: covered, beforeOffset: windowEnd, limit, filter: scan.filter };
    const page = await scan.store.readEncoded(scan.project, scan.path, range, scan.format);
    // A full page may stop inside the window; otherwise the whole window was examined.
    covered = page.count === limit ? page.lastOffset! : windowEnd - 1;
    found += page.count;
    yield { ...page, coveredThrough: covered };
  }
}

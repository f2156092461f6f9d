import type { StoredEvent } from "@tributary/protocol";

/**
 * The events of one stream the UI holds: a contiguous range of offsets, the tail first, grown backwards
 * page by page as the user scrolls up and forwards as live events arrive. Offsets are dense, so a page
 * before offset N is exactly `afterOffset = N - 1 - size, beforeOffset = N`.
 */
export interface EventWindow {
  readonly events: readonly StoredEvent[];
  /** The offset of the first held event (last + 1 when none is held yet). */
  readonly first: number;
  /** The offset of the last held event (0 when none). */
  readonly last: number;
}

/** A window that holds nothing yet and takes events after `afterOffset`. */
export const emptyWindow = (afterOffset = 0): EventWindow => ({ events: [], first: afterOffset + 1, last: afterOffset });

/** The window with later events added; events it already holds or that leave a gap are ignored. */
export function appendEvents(window: EventWindow, events: readonly StoredEvent[]): EventWindow {
  const fresh: StoredEvent[] = [];
  let last = window.last;
  for (const event of events) {
    if (event.offset !== last + 1) continue;
    fresh.push(event);
    last = event.offset;
  }
  if (fresh.length === 0) return window;
  const first = window.events.length === 0 ? fresh[0]!.offset : window.first;
  return { events: [...window.events, ...fresh], first, last };
}

/** The window with an older page added in front; a page that does not end right before `first` is ignored. */
export function prependEvents(window: EventWindow, events: readonly StoredEvent[]): EventWindow {
  const older = events.filter((event) => event.offset < window.first);
  if (older.length === 0 || older.at(-1)!.offset !== window.first - 1) return window;
  return { events: [...older, ...window.events], first: older[0]!.offset, last: window.last === 0 ? older.at(-1)!.offset : window.last };
}

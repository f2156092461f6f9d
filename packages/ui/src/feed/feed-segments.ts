import type { StoredEvent } from "@tributary/protocol";
import type { FeedItem, FeedKind } from "./feed-kind.ts";
import { emptyFeed, reduceFeed, type FeedState } from "./reduce-feed.ts";

/** One run of consecutive events folded on its own; `id` keeps its items' keys stable as it grows. */
interface Segment {
  readonly id: number;
  readonly events: readonly StoredEvent[];
  readonly feed: FeedState;
}

/** The feed of a window of events, as segments of up to `segmentSize` events (oldest first). */
export interface SegmentedFeed {
  readonly segments: readonly Segment[];
  readonly nextId: number;
  /** Every segment's items in order, keys prefixed by the segment (a key is unique in the list). */
  readonly items: readonly FeedItem[];
}

const segmentSize = 2000;

export const emptySegmentedFeed: SegmentedFeed = { segments: [], nextId: 1, items: [] };

/**
 * The feed of a growing window without folding it all again: the feed is a fold from the first event, so
 * events loaded *in front* cannot simply be added. Instead the window is cut into segments of about
 * 2,000 events, each folded on its own. Later events fold into the last segment (as before); an older
 * page is folded together with the first segment while that stays small, or starts a segment of its own.
 * So loading an older page costs at most one fold of ~2,500 events however much is held. The price: an
 * item whose events straddle a segment boundary (a reply half in one, half in the other) shows as two.
 *
 * @example
 * let feed = appendToFeed(emptySegmentedFeed, tail, feedKinds);
 * feed = prependToFeed(feed, olderPage, feedKinds);
 */
export function appendToFeed(feed: SegmentedFeed, events: readonly StoredEvent[], kinds: readonly FeedKind[]): SegmentedFeed {
  if (events.length === 0) return feed;
  const last = feed.segments.at(-1);
  if (!last || last.events.length >= segmentSize) {
    const segment = { id: feed.nextId, events, feed: reduceFeed(emptyFeed, events, kinds) };
    return withItems({ segments: [...feed.segments, segment], nextId: feed.nextId + 1 });
  }
  const grown = { id: last.id, events: [...last.events, ...events], feed: reduceFeed(last.feed, events, kinds) };
  return withItems({ segments: [...feed.segments.slice(0, -1), grown], nextId: feed.nextId });
}

/** The feed with an older page in front (see `appendToFeed`). */
export function prependToFeed(feed: SegmentedFeed, events: readonly StoredEvent[], kinds: readonly FeedKind[]): SegmentedFeed {
  if (events.length === 0) return feed;
  const first = feed.segments[0];
  if (first && first.events.length + events.length <= segmentSize + 500) {
    const all = [...events, ...first.events];
    const merged = { id: first.id, events: all, feed: reduceFeed(emptyFeed, all, kinds) };
    return withItems({ segments: [merged, ...feed.segments.slice(1)], nextId: feed.nextId });
  }
  const segment = { id: feed.nextId, events, feed: reduceFeed(emptyFeed, events, kinds) };
  return withItems({ segments: [segment, ...feed.segments], nextId: feed.nextId + 1 });
}

const keyed = new WeakMap<FeedItem, FeedItem>();

/** Every segment's items, keyed by segment; an unchanged item keeps its keyed object (the list keeps its row). */
function withItems(next: { segments: Segment[]; nextId: number }): SegmentedFeed {
  const items: FeedItem[] = [];
  for (const segment of next.segments) {
    for (const item of segment.feed.items) {
      let shown = keyed.get(item);
      if (!shown) {
        shown = { ...item, key: `${segment.id}|${item.key}` };
        keyed.set(item, shown);
      }
      items.push(shown);
    }
  }
  return { ...next, items };
}

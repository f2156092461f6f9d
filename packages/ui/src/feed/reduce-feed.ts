import type { StoredEvent } from "@tributary/protocol";
import type { FeedDraft, FeedItem, FeedKind } from "./feed-kind.ts";
import { rawKind } from "./kinds/raw.ts";

/** The feed: items in order, their index by key, and the kinds' cross-event bookkeeping. */
export interface FeedState {
  readonly items: readonly FeedItem[];
  readonly index: ReadonlyMap<string, number>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly lastOffset: number;
}

export const emptyFeed: FeedState = { items: [], index: new Map(), vars: {}, lastOffset: 0 };

/**
 * Derives feed items from events: the UI's feed is a stream processor's reduce. Each event goes to the
 * first kind that claims its type (exact types first, then `claims` in order), or to the raw kind.
 *
 * Pure and total: the input state is not changed, the same events give the same feed, an event at or
 * below `lastOffset` is ignored (so overlapping batches are harmless), and a kind that throws on an odd
 * payload costs that event a raw item instead of the feed. It takes a batch so that the copy of the
 * item list is paid once per batch, not once per event.
 *
 * @example
 * const feed = reduceFeed(emptyFeed, events, feedKinds);
 * feed.items.map((item) => item.kind); // ["chat", "tool-call", "notice", ...]
 */
export function reduceFeed(state: FeedState, events: readonly StoredEvent[], kinds: readonly FeedKind[]): FeedState {
  const fresh = events.filter((event) => event.offset > state.lastOffset);
  if (fresh.length === 0) return state;
  const items = [...state.items];
  const index = new Map(state.index);
  const draft: FeedDraft = {
    get: <I extends FeedItem>(key: string) => {
      const at = index.get(key);
      return at === undefined ? undefined : (items[at] as I);
    },
    put: (item) => {
      const at = index.get(item.key);
      if (at === undefined) {
        index.set(item.key, items.length);
        items.push(item);
      } else items[at] = item;
    },
    vars: { ...state.vars },
  };
  const byType = new Map<string, FeedKind>();
  for (const kind of kinds) for (const type of kind.types ?? []) if (!byType.has(type)) byType.set(type, kind);
  let lastOffset = state.lastOffset;
  for (const event of fresh) {
    if (event.offset <= lastOffset) continue;
    lastOffset = event.offset;
    const kind = byType.get(event.type) ?? kinds.find((candidate) => candidate.claims?.(event.type)) ?? rawKind;
    try {
      kind.reduce(event, draft);
    } catch {
      rawKind.reduce(event, draft);
    }
  }
  return { items, index, vars: draft.vars, lastOffset };
}

import type { StoredEvent } from "@tributary/protocol";

/** What every feed item has: the kind that renders it, a stable key and the events it came from. */
export interface FeedItem {
  kind: string;
  key: string;
  firstOffset: number;
  lastOffset: number;
  /** When the first event was stored. */
  at: string;
  /** The event types it was derived from, in order of first appearance (each links to its docs). */
  types: readonly string[];
}

/** The feed being built by `reduceFeed`: items by key, in order of first appearance. */
export interface FeedDraft {
  get<I extends FeedItem>(key: string): I | undefined;
  /** Adds an item at the end, or replaces the item with the same key where it stands. */
  put<I extends FeedItem>(item: I): void;
  /** Bookkeeping that spans events (e.g. which assistant message is streaming), by the kind's own keys. */
  vars: Record<string, unknown>;
}

/** What a kind's `render` gets: links and helpers, so kinds stay free of routing and docs lookups. */
export interface FeedRenderContext {
  typeLink(type: string): HTMLElement;
  streamLink(path: string): HTMLElement;
  yaml(value: unknown): HTMLElement;
}

/**
 * A kind of feed item: which event types it claims, how it folds them into items, how it draws them.
 * Adding a kind = one file with `defineFeedKind` + one line in feed-kinds.ts.
 */
export interface FeedKind<I extends FeedItem = FeedItem> {
  name: string;
  /** Exact event types this kind claims. */
  types?: readonly string[];
  /** Or a test on the type (for families such as a namespace); checked after exact types. */
  claims?: (type: string) => boolean;
  /** Folds one event into the feed. Must be pure apart from the draft and must not throw on odd payloads. */
  reduce(event: StoredEvent, feed: FeedDraft): void;
  render(item: I, context: FeedRenderContext): HTMLElement;
}

/**
 * Declares a feed kind with its own item type.
 *
 * @example
 * export const noteKind = defineFeedKind<NoteItem>({
 *   name: "note",
 *   types: ["note-added"],
 *   reduce: (event, feed) => feed.put({ ...itemFrom(event, "note"), text: text(event.payload.text) }),
 *   render: (item) => h("p", null, item.text),
 * });
 */
export function defineFeedKind<I extends FeedItem>(kind: FeedKind<I>): FeedKind {
  return kind as unknown as FeedKind;
}

/** A new item of `kind` made from one event, keyed by the event's offset unless a key is given. */
export function itemFrom(event: StoredEvent, kind: string, key = `${kind}:${event.offset}`): FeedItem {
  return { kind, key, firstOffset: event.offset, lastOffset: event.offset, at: event.createdAt, types: [event.type] };
}

/** The item extended by one more of its events (offsets and types). */
export function withEvent<I extends FeedItem>(item: I, event: StoredEvent): I {
  const types = item.types.includes(event.type) ? item.types : [...item.types, event.type];
  return { ...item, lastOffset: Math.max(item.lastOffset, event.offset), types };
}

/** A payload field as a string ("" when absent or not a string). */
export function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** A payload field as an object ({} when absent or not an object). */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The schedule that appended an event (the scheduler marks firings in `metadata.scheduledBy`), or "". */
export function scheduledBy(event: StoredEvent): string {
  return text(record(record(event.metadata).scheduledBy).slug);
}

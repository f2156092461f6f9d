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
  /** Which built-in appended its first event, when one did (a schedule firing, a transformer's output). */
  origin?: Origin;
}

/** A built-in that appends events on a user's behalf marks them in `metadata`; the feed shows the mark. */
export interface Origin {
  by: "schedule" | "transformer";
  slug: string;
  /** For a transformer: the event it transformed. */
  sourceOffset?: number;
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
  /** The permalink of one of the stream's events (`#/path@offset`). */
  eventHref(offset: number): string;
  /** Markdown (an assistant's text) as sanitised HTML: raw HTML in it stays text. */
  markdown(source: string): HTMLElement;
  /** Appends an event to the stream shown (an approval from a button); absent where the feed is read-only. */
  append?(event: { type: string; payload: Record<string, unknown> }): Promise<unknown>;
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
  const item: FeedItem = { kind, key, firstOffset: event.offset, lastOffset: event.offset, at: event.createdAt, types: [event.type] };
  const origin = originOf(event);
  return origin ? { ...item, origin } : item;
}

/** The mark of the scheduler (`metadata.scheduledBy`) or a transformer (`metadata.transformedBy`), if any. */
export function originOf(event: StoredEvent): Origin | undefined {
  const metadata = record(event.metadata);
  const scheduled = record(metadata.scheduledBy);
  if (text(scheduled.slug)) return { by: "schedule", slug: text(scheduled.slug) };
  const transformed = record(metadata.transformedBy);
  if (text(transformed.slug)) {
    const source = transformed.sourceOffset;
    return { by: "transformer", slug: text(transformed.slug), ...(typeof source === "number" ? { sourceOffset: source } : {}) };
  }
  return undefined;
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

import { describe, expect, it } from "vitest";
import type { EventInput } from "@tributary/protocol";
import { feedKinds } from "../src/feed/feed-kinds.ts";
import { appendToFeed, emptySegmentedFeed, prependToFeed } from "../src/feed/feed-segments.ts";
import { emptyFeed, reduceFeed } from "../src/feed/reduce-feed.ts";
import { stored } from "./support/stored.ts";

const inputs = (count: number): EventInput[] =>
  Array.from({ length: count }, (_, i) => ({ type: "agent-input-added", payload: { content: `message ${i + 1}` } }));

describe("the feed of a growing window", () => {
  it("gives the same items as one fold when older pages are loaded in front, with keys unique in the list", () => {
    const events = stored(inputs(3000));
    let feed = appendToFeed(emptySegmentedFeed, events.slice(2500), feedKinds);
    for (let start = 2000; start >= 0; start -= 500) feed = prependToFeed(feed, events.slice(start, start + 500), feedKinds);
    const whole = reduceFeed(emptyFeed, events, feedKinds);
    expect(feed.items.map((item) => item.firstOffset)).toEqual(whole.items.map((item) => item.firstOffset));
    expect(new Set(feed.items.map((item) => item.key)).size).toBe(feed.items.length);
    // An older page folds only with a small first segment, never with everything held.
    expect(feed.segments.length).toBeGreaterThan(1);
    expect(Math.max(...feed.segments.map((segment) => segment.events.length))).toBeLessThanOrEqual(2500);
  });

  it("folds live events into the last segment and keeps the other items' objects (their rows stay mounted)", () => {
    const events = stored(inputs(10));
    const before = appendToFeed(emptySegmentedFeed, events.slice(0, 8), feedKinds);
    const after = appendToFeed(before, events.slice(8), feedKinds);
    expect(after.items).toHaveLength(10);
    expect(after.items[0]).toBe(before.items[0]);
  });
});

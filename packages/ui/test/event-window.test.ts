import { describe, expect, it } from "vitest";
import { appendEvents, emptyWindow, prependEvents } from "../src/views/event-window.ts";
import { stored } from "./support/stored.ts";

const events = stored(Array.from({ length: 10 }, (_, i) => ({ type: "tick", payload: { i } })));
const offsets = (list: readonly { offset: number }[]) => list.map((event) => event.offset);

describe("the event window", () => {
  it("takes the tail, then live events, then older pages in front", () => {
    let window = appendEvents(emptyWindow(5), events.slice(5, 8));
    expect(window).toMatchObject({ first: 6, last: 8 });
    window = appendEvents(window, events.slice(8));
    window = prependEvents(window, events.slice(2, 5));
    expect(offsets(window.events)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(window).toMatchObject({ first: 3, last: 10 });
  });

  it("ignores events it holds already, and pages that would leave a gap", () => {
    const window = appendEvents(emptyWindow(5), events.slice(5, 8));
    expect(appendEvents(window, events.slice(5, 8))).toBe(window);
    expect(appendEvents(window, events.slice(9))).toBe(window);
    expect(prependEvents(window, events.slice(0, 3))).toBe(window);
    expect(offsets(appendEvents(window, events.slice(6, 9)).events)).toEqual([6, 7, 8, 9]);
  });
});

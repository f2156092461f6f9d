import { h } from "../dom.ts";

export interface VirtualListOptions<T> {
  className?: string;
  /** A stable identity: rows keep their measured height and the scroll position follows them by key. */
  key: (item: T) => string;
  render: (item: T) => HTMLElement;
  /** A guess for rows not yet measured. */
  estimateHeight?: (item: T) => number;
  /** Called (at most once per frame) when the view is within about a screen of the top. */
  onNearTop?: () => void;
  /** Called (at most once per frame) when the view is within about a screen of the bottom. */
  onNearBottom?: () => void;
  /** Start at the bottom and follow new items while the user stays there (a log, a chat). */
  followBottom?: boolean;
  /** While the items are shorter than the view, sit at its bottom (a chat) rather than its top (a log). */
  alignBottom?: boolean;
  empty?: () => HTMLElement;
}

export interface VirtualList<T> {
  readonly element: HTMLElement;
  /** Replaces the items. Rows whose item is the same object are kept; changed items are re-rendered. */
  setItems(items: readonly T[]): void;
  scrollToBottom(): void;
  /** Brings the row with this key into the middle of the view (once it is laid out) and stops following. */
  scrollToKey(key: string): void;
  /** Whether the list follows new items at the bottom (only while the user is there). */
  setFollow(follow: boolean): void;
  /** Re-renders every visible row (e.g. after a display option changed). */
  refresh(): void;
  destroy(): void;
}

const overscanPx = 600;

/**
 * A windowed list of rows of varying height: only the rows in and near the viewport are in the DOM, so a
 * list of 100,000 items costs as much as one of 50. Heights are measured once rendered and estimated
 * before. The view is anchored to the first visible row's key, so prepending older items, a row growing
 * (streaming text) or a re-measure never moves what the user is reading; at the bottom, it follows.
 * All work happens in one animation frame per change.
 *
 * @example
 * const list = createVirtualList({ key: (e) => String(e.offset), render: renderEvent, followBottom: true });
 * parent.append(list.element);
 * list.setItems(events);
 */
export function createVirtualList<T>(options: VirtualListOptions<T>): VirtualList<T> {
  const canvas = h("div", { class: "vlist-canvas" });
  const scroller = h("div", { class: `vlist ${options.className ?? ""}` }, canvas);
  const estimate = options.estimateHeight ?? (() => 40);
  let items: readonly T[] = [];
  let keys: string[] = [];
  let indexOf = new Map<string, number>();
  let tops = new Float64Array(1);
  const heights = new Map<string, number>();
  const mounted = new Map<string, { item: T; element: HTMLElement }>();
  let follow = options.followBottom ?? false;
  let anchor: { key: string; delta: number } | undefined;
  let target: string | undefined;
  let followAllowed = options.followBottom ?? false;
  let frame = 0;
  let lastWidth = 0;
  let emptyElement: HTMLElement | undefined;
  let stale = true;

  const schedule = () => {
    if (frame === 0) frame = requestAnimationFrame(update);
  };

  function layout(): void {
    tops = new Float64Array(items.length + 1);
    for (let i = 0; i < items.length; i++) tops[i + 1] = tops[i]! + (heights.get(keys[i]!) ?? estimate(items[i]!));
    canvas.style.height = `${tops[items.length]}px`;
    // Everything is rendered while the items fit, so the margin never enters the window's arithmetic.
    canvas.style.marginTop = options.alignBottom ? `${Math.max(0, scroller.clientHeight - tops[items.length]!)}px` : "";
  }

  /** The index of the row covering `y`. */
  function rowAt(y: number): number {
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (tops[mid]! <= y) low = mid;
      else high = mid - 1;
    }
    return Math.max(0, low);
  }

  function captureAnchor(): void {
    if (follow || items.length === 0) return;
    const index = rowAt(scroller.scrollTop);
    anchor = { key: keys[index]!, delta: scroller.scrollTop - tops[index]! };
  }

  function restoreScroll(): void {
    if (target !== undefined && indexOf.has(target)) {
      const index = indexOf.get(target)!;
      const height = tops[index + 1]! - tops[index]!;
      scroller.scrollTop = Math.max(0, tops[index]! - (scroller.clientHeight - height) / 2);
    } else if (follow) scroller.scrollTop = scroller.scrollHeight;
    else if (anchor && indexOf.has(anchor.key)) scroller.scrollTop = tops[indexOf.get(anchor.key)!]! + anchor.delta;
  }

  function renderWindow(): boolean {
    const viewTop = scroller.scrollTop;
    const first = rowAt(viewTop - overscanPx);
    const last = rowAt(viewTop + scroller.clientHeight + overscanPx);
    const wanted = new Set<string>();
    // Rows are kept in the DOM in list order, so Tab and screen readers go through them as they are shown.
    let previous: HTMLElement | undefined;
    for (let i = first; i <= last && i < items.length; i++) {
      const key = keys[i]!;
      const item = items[i]!;
      wanted.add(key);
      let row = mounted.get(key);
      if (!row || row.item !== item) {
        const element = options.render(item);
        element.classList.add("vlist-row");
        element.dataset.key = key;
        if (row) {
          rowObserver.unobserve(row.element);
          row.element.replaceWith(element);
        } else canvas.append(element);
        rowObserver.observe(element);
        row = { item, element };
        mounted.set(key, row);
      }
      const expected = previous ? previous.nextElementSibling : canvas.firstElementChild;
      if (expected !== row.element) {
        if (previous) previous.after(row.element);
        else canvas.prepend(row.element);
      }
      previous = row.element;
      row.element.style.transform = `translateY(${tops[i]}px)`;
    }
    for (const [key, row] of mounted) {
      if (wanted.has(key)) continue;
      rowObserver.unobserve(row.element);
      row.element.remove();
      mounted.delete(key);
    }
    // Measure after the writes above, in one pass, so the browser lays out once.
    let changed = false;
    for (const [key, row] of mounted) {
      const height = row.element.offsetHeight;
      if (height > 0 && heights.get(key) !== height) {
        heights.set(key, height);
        changed = true;
      }
    }
    return changed;
  }

  function update(): void {
    frame = 0;
    const width = scroller.clientWidth;
    if (width !== lastWidth) {
      // Text rewraps at a new width: every measured height is stale.
      lastWidth = width;
      heights.clear();
      stale = true;
    }
    if (!anchor) captureAnchor();
    // A scroll alone moves the window over the same layout; anything else lays the rows out again.
    for (let pass = 0; pass < 4; pass++) {
      if (stale) {
        layout();
        restoreScroll();
        stale = false;
      }
      if (!renderWindow()) break;
      stale = true;
    }
    anchor = undefined;
    if (target !== undefined && indexOf.has(target)) target = undefined;
    if (items.length === 0 && options.empty) {
      emptyElement ??= options.empty();
      if (!emptyElement.isConnected) scroller.append(emptyElement);
    } else emptyElement?.remove();
    if (options.onNearTop && scroller.scrollTop < scroller.clientHeight) options.onNearTop();
    if (options.onNearBottom && scroller.scrollTop + 2 * scroller.clientHeight > scroller.scrollHeight) options.onNearBottom();
  }

  scroller.addEventListener("scroll", () => {
    follow = followAllowed && scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 40;
    schedule();
  });
  // The scroller for width changes; each mounted row for changes of its own (a <details> opened, an image).
  const resizeObserver = new ResizeObserver(() => {
    stale = true;
    schedule();
  });
  resizeObserver.observe(scroller);
  const rowObserver = new ResizeObserver(schedule);

  return {
    element: scroller,
    setItems(next) {
      // The anchor must be taken against the laid-out items, before the keys change.
      if (!anchor) captureAnchor();
      items = next;
      keys = next.map(options.key);
      indexOf = new Map(keys.map((key, index) => [key, index]));
      stale = true;
      schedule();
    },
    scrollToKey(key) {
      target = key;
      follow = false;
      stale = true;
      schedule();
    },
    setFollow(next) {
      followAllowed = next;
      if (!next) follow = false;
    },
    scrollToBottom() {
      follow = true;
      stale = true;
      schedule();
    },
    refresh() {
      rowObserver.disconnect();
      for (const row of mounted.values()) row.element.remove();
      mounted.clear();
      schedule();
    },
    destroy() {
      cancelAnimationFrame(frame);
      resizeObserver.disconnect();
      rowObserver.disconnect();
      scroller.remove();
    },
  };
}

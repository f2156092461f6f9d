import type { StoredEvent } from "@tributary/protocol";
import type { ApiClient } from "../api/api-client.ts";
import { h, replaceChildren } from "../dom.ts";
import { routeHref } from "../route.ts";
import { formatTime, oneLine } from "./format.ts";
import { announce } from "./announce.ts";

/** A search as typed: `type:agent-*,stream/paused timeout` → types and the text to find. */
export function parseSearch(input: string): { types: string; q: string } {
  const types: string[] = [];
  const words: string[] = [];
  for (const word of input.trim().split(/\s+/)) {
    if (word.startsWith("type:")) types.push(...word.slice(5).split(",").filter(Boolean));
    else if (word) words.push(word);
  }
  return { types: types.join(","), q: words.join(" ") };
}

const wanted = 50;

/**
 * Search results for one stream, found by the server (`types=` and `q=` on a JSON read) over the whole
 * stream, not just the events the page holds. It reads forward from the start until it has 50 matches
 * or the stream ends, showing how far it got; "More" continues. Each result is the event's permalink.
 *
 * @example
 * const search = createSearchPanel(api, "/load/sensors");
 * search.run("type:reading sensor-7");
 */
export function createSearchPanel(api: ApiClient, path: string, onClose: () => void) {
  const list = h("ol", { class: "search-results", "aria-label": "Search results" });
  const status = h("p", { class: "search-status muted", role: "status" });
  const more = h("button", { class: "link-button search-more", type: "button", hidden: true }, "More results");
  const element = h(
    "section",
    { class: "search-panel", "aria-label": "Search", hidden: true },
    h(
      "header",
      { class: "search-head" },
      h("h2", null, "Search results"),
      h("button", { class: "link-button", type: "button", onclick: () => onClose() }, "Close"),
    ),
    status,
    list,
    more,
  );
  let generation = 0;
  let cursor = 0;
  let current = { types: "", q: "" };

  async function continueSearch(): Promise<void> {
    const mine = generation;
    more.hidden = true;
    let found = 0;
    for (;;) {
      let page;
      try {
        page = await api.page(path, {
          afterOffset: cursor,
          limit: wanted - found,
          ...(current.types ? { types: current.types } : {}),
          ...(current.q ? { q: current.q } : {}),
        });
      } catch (error) {
        if (mine === generation) status.textContent = `Search failed: ${(error as Error).message}`;
        return;
      }
      if (mine !== generation) return;
      for (const event of page.events) list.append(resultRow(event));
      found += page.events.length;
      cursor = page.nextAfterOffset;
      const total = list.childElementCount;
      status.textContent = `${total.toLocaleString()} match${total === 1 ? "" : "es"}${page.hasMore ? `, searched through #${cursor.toLocaleString()} of ${page.lastOffset.toLocaleString()}…` : ` in ${page.lastOffset.toLocaleString()} events`}`;
      if (!page.hasMore) {
        announce(status.textContent);
        return;
      }
      if (found >= wanted) {
        more.hidden = false;
        return;
      }
    }
  }
  more.addEventListener("click", () => void continueSearch());

  function resultRow(event: StoredEvent): HTMLElement {
    return h(
      "li",
      { class: "search-result", dataset: { offset: String(event.offset) } },
      h(
        "a",
        { href: routeHref(path, event.offset) },
        h("span", { class: "offset" }, `#${event.offset}`),
        h("span", { class: "type-link" }, event.type),
        h("time", { datetime: event.createdAt }, formatTime(event.createdAt)),
        h("span", { class: "result-payload muted" }, oneLine(event.payload, 200)),
      ),
    );
  }

  return {
    element,
    run(input: string) {
      generation++;
      current = parseSearch(input);
      cursor = 0;
      replaceChildren(list);
      element.hidden = false;
      if (!current.types && !current.q) {
        status.textContent = "Type text to find, and/or type:name (type:agent-* for a prefix).";
        return;
      }
      status.textContent = "Searching…";
      void continueSearch();
    },
    close() {
      generation++;
      element.hidden = true;
    },
  };
}

/**
 * The offset of the first event at or after `time`, by binary search over one-event pages (offsets are
 * dense and `createdAt` grows with them): about 17 requests for 100,000 events.
 */
export async function offsetAtTime(api: ApiClient, path: string, time: number): Promise<number | undefined> {
  const head = await api.page(path, { afterOffset: "end", limit: 1 });
  let low = 1;
  let high = head.lastOffset;
  if (high < 1) return undefined;
  const at = async (offset: number) => {
    const page = await api.page(path, { afterOffset: offset - 1, limit: 1 });
    return page.events[0] ? Date.parse(page.events[0].createdAt) : Number.POSITIVE_INFINITY;
  };
  if ((await at(high)) < time) return high;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((await at(mid)) < time) low = mid + 1;
    else high = mid;
  }
  return low;
}

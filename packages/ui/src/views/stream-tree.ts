import type { StoredEvent } from "@tributary/protocol";
import type { ApiClient, StreamInfo } from "../api/api-client.ts";
import { openLiveTail } from "../api/live-tail.ts";
import { h } from "../dom.ts";
import { treeRows, type TreeRow } from "../tree/tree-rows.ts";
import { streamHref } from "./links.ts";
import { createVirtualList } from "./virtual-list.ts";

/** What the tree shows beside a stream's name. */
export interface StreamBadges {
  agent: boolean;
  paused: boolean;
  failing: boolean;
}

/**
 * The sidebar: every stream of the project as a tree, filterable, kept current live. It learns the tree
 * once (`GET /api/tree/`) and then follows the root stream, which receives `stream/child-created` and
 * `stream/child-deleted` for every stream below it. The tail starts at the root's head as read *before*
 * the tree, so a stream created in between is seen twice (harmless: a set) rather than missed. Every
 * listed stream's count, last activity and badges (agent, paused, failing) come from the server's
 * listing (`?status=true`), refreshed every 15 s; the open stream's view updates its own row sooner.
 *
 * @example
 * const tree = createStreamTree(api, (path) => (location.hash = path));
 * sidebar.append(tree.element);
 */
export function createStreamTree(api: ApiClient, open: (path: string) => void) {
  const paths = new Set<string>();
  /** Each stream's event count as the tree listing said (refreshed every 15 s while the page is open). */
  const counts = new Map<string, number>();
  let countsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Each stream's last activity (its newest event's commit time, ms), from the listing's status. */
  const activeAt = new Map<string, number>();
  /** Paused, failing, an agent's stream: for every stream from the listing, for the open one from its view too. */
  const badges = new Map<string, StreamBadges>();
  /** The streams whose open view told their badges since the last listing (newer than the listing's). */
  const fromViews = new Set<string>();
  const collapsed = new Set<string>(JSON.parse(localStorage.getItem(`tributary:collapsed:${api.project}`) ?? "[]") as string[]);
  let current = "";
  let filter = "";
  let stopTail = () => {};

  const list = createVirtualList<TreeRow>({
    className: "tree-list",
    key: (row) => row.path,
    estimateHeight: () => 28,
    render: renderRow,
    empty: () => h("p", { class: "tree-empty muted" }, filter ? "No stream matches." : "No streams yet. Append an event to create one."),
  });
  const filterInput = h("input", {
    class: "tree-filter",
    type: "search",
    placeholder: "Filter, or type a path + Enter",
    "aria-label": "Filter streams",
    oninput: () => {
      filter = filterInput.value;
      refresh();
    },
    onkeydown: (event: KeyboardEvent) => {
      if (event.key === "Enter" && filterInput.value.trim().startsWith("/")) open(filterInput.value.trim());
    },
  });
  const status = h("span", { class: "tree-status muted" });
  const element = h("nav", { class: "tree", "aria-label": "Streams" }, h("div", { class: "tree-top" }, filterInput, status), list.element);

  function renderRow(row: TreeRow): HTMLElement {
    const toggle = row.hasChildren
      ? h(
          "button",
          {
            class: "tree-caret",
            type: "button",
            "aria-label": row.collapsed ? `Expand ${row.path}` : `Collapse ${row.path}`,
            onclick: () => {
              if (collapsed.has(row.path)) collapsed.delete(row.path);
              else collapsed.add(row.path);
              localStorage.setItem(`tributary:collapsed:${api.project}`, JSON.stringify([...collapsed]));
              refresh();
            },
          },
          row.collapsed ? "▸" : "▾",
        )
      : h("span", { class: "tree-caret" });
    const count = counts.get(row.path);
    const element = h(
      "div",
      {
        class: `tree-row${row.path === current ? " current" : ""}${row.exists ? "" : " implicit"}${row.match ? " match" : ""}`,
        dataset: { path: row.path },
      },
      toggle,
      h("a", { href: streamHref(row.path), title: row.path, "aria-current": row.path === current ? "page" : null }, row.name),
      badgesOf(row.path),
      count !== undefined ? h("span", { class: "tree-count", title: countTitle(row.path, count) }, compact(count)) : null,
    );
    // CSSOM, not a style attribute: the UI runs under a CSP without inline styles.
    element.style.paddingLeft = `${8 + row.depth * 14}px`;
    return element;
  }

  function refresh(): void {
    list.setItems(treeRows(paths, { collapsed, filter }));
  }

  function apply(events: StoredEvent[]): void {
    for (const event of events) {
      const child = typeof event.payload.childPath === "string" ? event.payload.childPath : undefined;
      if (!child) continue;
      if (event.type === "stream/child-created") paths.add(child);
      if (event.type === "stream/child-deleted") for (const path of [...paths]) if (path === child || path.startsWith(`${child}/`)) paths.delete(path);
    }
    if (paths.size > 0) paths.add("/");
    refresh();
  }

  async function load(): Promise<void> {
    try {
      const head = await api.page("/", { afterOffset: "end", limit: 1 });
      const tree = await api.tree("/");
      for (const stream of tree.streams) {
        paths.add(stream.path);
        learn(stream);
      }
      countsTimer = setTimeout(() => void refreshCounts(), 15_000);
      if (paths.size > 0) paths.add("/");
      status.textContent = tree.truncated ? "showing the first streams only" : "";
      refresh();
      let wasLive = false;
      stopTail = openLiveTail(api.liveUrl("/", head.lastOffset), apply, (state) => {
        element.classList.toggle("offline", state !== "live");
        if (state === "live") wasLive = true;
        else if (wasLive && !destroyed) api.connectivity?.failed();
      });
    } catch (error) {
      status.textContent = `Could not load the streams: ${(error as Error).message}`;
    }
  }
  void load();
  let destroyed = false;

  async function refreshCounts(): Promise<void> {
    try {
      const tree = await api.tree("/");
      fromViews.clear();
      for (const stream of tree.streams) learn(stream);
      refresh();
    } catch {
      // offline: the connectivity banner says so; try again later
    }
    if (!destroyed) countsTimer = setTimeout(() => void refreshCounts(), 15_000);
  }

  /** Takes a listed stream's count, last activity and badges (GET /api/tree?status=true). */
  function learn(stream: StreamInfo): void {
    counts.set(stream.path, stream.lastOffset);
    const status = stream.status;
    if (!status) return;
    const at = status.lastEventAt ? Date.parse(status.lastEventAt) : Number.NaN;
    if (!Number.isNaN(at)) activeAt.set(stream.path, at);
    if (!fromViews.has(stream.path)) badges.set(stream.path, { agent: status.agent, paused: status.paused, failing: status.failing });
  }

  function countTitle(path: string, count: number): string {
    const at = activeAt.get(path);
    return `${count.toLocaleString()} events${at ? `; last activity ${new Date(at).toLocaleTimeString()}` : ""}`;
  }

  function badgesOf(path: string): HTMLElement | null {
    const known = badges.get(path);
    const active = (activeAt.get(path) ?? 0) > Date.now() - 60_000;
    if (!known?.agent && !known?.paused && !known?.failing && !active) return null;
    return h(
      "span",
      { class: "tree-badges" },
      active ? h("span", { class: "tree-badge active", title: "Active in the last minute" }, "live") : null,
      known?.agent ? h("span", { class: "tree-badge agent", title: "An agent's stream" }, "agent") : null,
      known?.paused ? h("span", { class: "tree-badge paused", title: "Paused" }, "paused") : null,
      known?.failing ? h("span", { class: "tree-badge failing", title: "A webhook or processor is failing" }, "failing") : null,
    );
  }

  return {
    element,
    /** Badges for a stream, from what its open view knows (its state and events). */
    setBadges(path: string, given: StreamBadges) {
      fromViews.add(path);
      const before = badges.get(path);
      // A view sees only the window it holds; the listing saw the whole stream (once an agent's, always).
      const next = { ...given, agent: given.agent || before?.agent === true };
      if (before && before.agent === next.agent && before.paused === next.paused && before.failing === next.failing) return;
      badges.set(path, next);
      refresh();
    },
    setCurrent(path: string) {
      current = path;
      refresh();
    },
    destroy() {
      destroyed = true;
      clearTimeout(countsTimer);
      stopTail();
      list.destroy();
    },
  };
}

/** 12, 1.2k, 340k, 1.2M: a count that fits a tree row. */
function compact(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${+(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  return `${+(count / 1_000_000).toFixed(1)}M`;
}

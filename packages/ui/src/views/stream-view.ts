import type { StoredEvent } from "@tributary/protocol";
import { ApiError, type ApiClient, type StreamState } from "../api/api-client.ts";
import { openLiveTail, type LiveStatus } from "../api/live-tail.ts";
import { h, replaceChildren } from "../dom.ts";
import type { FeedItem, FeedKind, FeedRenderContext } from "../feed/feed-kind.ts";
import { emptyFeed, reduceFeed, type FeedState } from "../feed/reduce-feed.ts";
import { toYaml } from "../yaml/to-yaml.ts";
import { createComposer } from "./composer.ts";
import { appendEvents, emptyWindow, prependEvents, type EventWindow } from "./event-window.ts";
import { estimateEventRowHeight, eventRow } from "./event-row.ts";
import type { Links } from "./links.ts";
import { createPauseControl } from "./pause-control.ts";
import type { Preset } from "./presets.ts";
import { createStatePanel } from "./state-panel.ts";
import { createVirtualList } from "./virtual-list.ts";
import { yamlView } from "./yaml-view.ts";

export interface StreamViewOptions {
  api: ApiClient;
  path: string;
  links: Links;
  presets: readonly Preset[];
  kinds: readonly FeedKind[];
}

type Mode = "feed" | "events";
const tailSize = 300;
const pageSize = 500;

/**
 * One stream: its events live, as a feed or as raw YAML, the composer, pause/resume and the reduced state.
 *
 * How it stays fast on a long stream:
 * 1. It loads the last 300 events, then tails live from there; older events load a page at a time when
 *    the user scrolls near the top.
 * 2. Both lists are windowed: only the rows near the viewport are in the DOM.
 * 3. Live events arrive in batches of one animation frame; each batch is folded into the feed once and
 *    causes one render.
 *
 * @example
 * const view = createStreamView({ api, path: "/jonas/agent", links, presets, kinds: feedKinds });
 * main.append(view.element);
 */
export function createStreamView(options: StreamViewOptions) {
  const { api, path, links } = options;
  let held: EventWindow = emptyWindow();
  let feed: FeedState = emptyFeed;
  let mode: Mode = localStorage.getItem("tributary:view") === "events" ? "events" : "feed";
  let loadingOlder = false;
  let stopTail = () => {};
  let stateTimer: ReturnType<typeof setTimeout> | undefined;
  const expanded = new Set<number>();

  const context: FeedRenderContext = {
    typeLink: links.typeLink,
    streamLink: (target) => links.streamLink(target),
    yaml: (value) => yamlView(toYaml(value)),
  };
  const kindByName = new Map(options.kinds.map((kind) => [kind.name, kind]));
  const renderItem = (item: FeedItem) => (kindByName.get(item.kind) ?? options.kinds.at(-1)!).render(item, context);

  const feedList = createVirtualList<FeedItem>({
    className: "feed-list",
    key: (item) => item.key,
    render: (item) => h("div", { class: "feed-row" }, renderItem(item)),
    estimateHeight: (item) => (item.kind === "raw" || item.kind === "notice" ? 36 : 110),
    onNearTop: () => void loadOlder(),
    followBottom: true,
    alignBottom: true,
    empty: () => h("p", { class: "list-empty muted" }, "No events yet. Append one below, or with curl."),
  });
  const eventList = createVirtualList<StoredEvent>({
    className: "event-list",
    key: (event) => String(event.offset),
    render: (event) =>
      eventRow(event, links, expanded.has(event.offset), (offset) => {
        if (expanded.has(offset)) expanded.delete(offset);
        else expanded.add(offset);
        eventList.refresh();
      }),
    estimateHeight: estimateEventRowHeight,
    onNearTop: () => void loadOlder(),
    followBottom: true,
    empty: () => h("p", { class: "list-empty muted" }, "No events yet. Append one below, or with curl."),
  });

  const statePanel = createStatePanel(links);
  const pause = createPauseControl({ append: (event) => api.append(path, event).then(() => refreshState()) });
  const composer = createComposer({ presets: options.presets, links, append: (event) => api.append(path, event) });
  const liveDot = h("span", { class: "live-dot", title: "connecting" });
  const count = h("span", { class: "event-count muted" });
  const banner = h("div", { class: "pause-banner", hidden: true });
  const modeTabs = h("div", { class: "tabs", role: "tablist" });
  const listSlot = h("div", { class: "list-slot" }, h("p", { class: "list-empty muted" }, "Loading…"));
  const olderStatus = h("div", { class: "older-status", hidden: true }, "Loading older events…");

  const element = h(
    "div",
    { class: "stream-view" },
    h(
      "div",
      { class: "stream-main" },
      h(
        "header",
        { class: "stream-header" },
        h("div", { class: "stream-title" }, liveDot, h("h1", null, breadcrumbs(path, links)), count),
        h("div", { class: "stream-actions" }, modeTabs, pause.element),
      ),
      banner,
      h("div", { class: "list-frame" }, listSlot, olderStatus),
      composer.element,
    ),
    statePanel.element,
  );

  function setMode(next: Mode): void {
    mode = next;
    localStorage.setItem("tributary:view", mode);
    replaceChildren(
      modeTabs,
      (["feed", "events"] as const).map((tab) =>
        h("button", { type: "button", role: "tab", class: tab === mode ? "active" : "", "aria-selected": String(tab === mode), onclick: () => setMode(tab) }, tab === "feed" ? "Feed" : "Events (YAML)"),
      ),
    );
    replaceChildren(listSlot, mode === "feed" ? feedList.element : eventList.element);
    render();
  }

  function render(): void {
    if (mode === "feed") feedList.setItems(feed.items);
    else eventList.setItems(held.events);
    const loaded = held.first > 1 && held.events.length > 0 ? ` · ${held.events.length.toLocaleString()} loaded` : "";
    count.textContent = `${held.last.toLocaleString()} event${held.last === 1 ? "" : "s"}${loaded}`;
  }

  function onLive(events: StoredEvent[]): void {
    const next = appendEvents(held, events);
    if (next === held) return;
    held = next;
    feed = reduceFeed(feed, events, options.kinds);
    render();
    scheduleStateRefresh();
  }

  async function loadOlder(): Promise<void> {
    if (loadingOlder || held.first <= 1 || held.events.length === 0) return;
    loadingOlder = true;
    olderStatus.hidden = false;
    try {
      const before = held.first;
      const page = await api.page(path, { afterOffset: Math.max(0, before - 1 - pageSize), beforeOffset: before, limit: pageSize });
      held = prependEvents(held, page.events);
      // The feed is a fold from the first held event: with older events in front, fold again.
      feed = reduceFeed(emptyFeed, held.events, options.kinds);
      render();
    } catch (error) {
      showError(error);
    } finally {
      loadingOlder = false;
      olderStatus.hidden = true;
    }
  }

  async function refreshState(): Promise<void> {
    try {
      const state: StreamState = await api.state(path);
      statePanel.show(state);
      const paused = state.pause ?? null;
      pause.setPaused(paused !== null);
      banner.hidden = paused === null;
      replaceChildren(banner, paused ? [h("strong", null, "Paused"), ": ", paused.reason, h("span", { class: "muted" }, ` (since #${paused.offset})`)] : null);
    } catch (error) {
      statePanel.error((error as Error).message);
    }
  }

  function scheduleStateRefresh(): void {
    stateTimer ??= setTimeout(() => {
      stateTimer = undefined;
      void refreshState();
    }, 300);
  }

  function showError(error: unknown): void {
    const message = error instanceof ApiError ? `${error.code}: ${error.message}` : (error as Error).message;
    replaceChildren(listSlot, h("p", { class: "error-message list-empty" }, message));
  }

  async function start(): Promise<void> {
    try {
      const head = await api.page(path, { afterOffset: "end", limit: 1 });
      const tail = await api.page(path, { afterOffset: Math.max(0, head.lastOffset - tailSize), limit: tailSize });
      held = emptyWindow(Math.max(0, head.lastOffset - tailSize));
      held = appendEvents(held, tail.events);
      feed = reduceFeed(emptyFeed, held.events, options.kinds);
      setMode(mode);
      stopTail = openLiveTail(api.liveUrl(path, held.last), onLive, (status: LiveStatus) => {
        liveDot.className = `live-dot ${status}`;
        liveDot.title = status;
      });
    } catch (error) {
      showError(error);
    }
    void refreshState();
  }
  void start();

  return {
    element,
    destroy() {
      stopTail();
      clearTimeout(stateTimer);
      feedList.destroy();
      eventList.destroy();
    },
  };
}

function breadcrumbs(path: string, links: Links): (HTMLElement | string)[] {
  if (path === "/") return [links.streamLink("/", "/")];
  const parts: (HTMLElement | string)[] = [];
  let at = "";
  for (const segment of path.split("/").slice(1)) {
    at += `/${segment}`;
    parts.push(h("span", { class: "crumb-sep" }, "/"), links.streamLink(at, segment));
  }
  return parts;
}

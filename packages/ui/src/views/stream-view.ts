import type { StoredEvent } from "@tributary/protocol";
import { ApiError, type ApiClient, type StreamState } from "../api/api-client.ts";
import { openLiveTail, type LiveStatus } from "../api/live-tail.ts";
import { h, replaceChildren } from "../dom.ts";
import { record, type FeedItem, type FeedKind, type FeedRenderContext } from "../feed/feed-kind.ts";
import { appendToFeed, emptySegmentedFeed, prependToFeed, type SegmentedFeed } from "../feed/feed-segments.ts";
import { renderMarkdown } from "../markdown/render-markdown.ts";
import { routeHref } from "../route.ts";
import { toYaml } from "../yaml/to-yaml.ts";
import { announce } from "./announce.ts";
import { createComposer } from "./composer.ts";
import { copyText, curlForEvent } from "./copy.ts";
import { appendEvents, emptyWindow, prependEvents, type EventWindow } from "./event-window.ts";
import { estimateEventRowHeight, eventRow } from "./event-row.ts";
import { formatUsage } from "./format-usage.ts";
import type { Links } from "./links.ts";
import { createPauseControl } from "./pause-control.ts";
import type { Preset } from "./presets.ts";
import { createSearchPanel, offsetAtTime } from "./search-panel.ts";
import { createStatePanel } from "./state-panel.ts";
import { createTraceTab } from "./trace-tab.ts";
import { createVirtualList } from "./virtual-list.ts";
import { yamlView } from "./yaml-view.ts";

export interface StreamViewOptions {
  api: ApiClient;
  path: string;
  /** Open at this event (a permalink): the window around it is loaded and the event highlighted. */
  offset?: number;
  links: Links;
  presets: readonly Preset[];
  kinds: readonly FeedKind[];
  /** Told what the view learned about the stream (for the tree's badges). */
  onBadges?: (badges: { agent: boolean; paused: boolean; failing: boolean }) => void;
}

type Mode = "feed" | "events" | "trace";
const modes: Record<Mode, string> = { feed: "Feed", events: "Events (YAML)", trace: "Trace" };
const tailSize = 300;
const pageSize = 500;
/** Live events kept while the held window does not reach the head yet (opened at a permalink). */
const maxPendingLive = 10_000;

/**
 * One stream: its events live, as a feed, as raw YAML or as a trace of the agent's LLM calls; search and
 * go-to; the composer, pause/resume and the reduced state.
 *
 * How it stays fast on a long stream:
 * 1. It loads the last 300 events (or, at a permalink, the 300 around the event), then tails live from the
 *    head; older and newer events load a page at a time when the user scrolls near either end.
 * 2. Both lists are windowed: only the rows near the viewport are in the DOM.
 * 3. Live events arrive in batches of one animation frame; each batch is folded into the feed once and
 *    causes one render. An older page is folded on its own (feed-segments.ts), not with everything held.
 * 4. Search runs on the server (`types=`, `q=`) over the whole stream, not over what is held; so does the
 *    trace, which reads only the agent's events (and each request's first chunk) of the whole stream.
 *
 * @example
 * const view = createStreamView({ api, path: "/jonas/agent", links, presets, kinds: feedKinds });
 * main.append(view.element);
 */
export function createStreamView(options: StreamViewOptions) {
  const { api, path, links } = options;
  let held: EventWindow = emptyWindow();
  let feed: SegmentedFeed = emptySegmentedFeed;
  let mode: Mode = (["feed", "events", "trace"] as const).find((m) => m === localStorage.getItem("tributary:view")) ?? "feed";
  let loadingOlder = false;
  let loadingNewer = false;
  let head = 0;
  let pendingLive: StoredEvent[] = [];
  let focus = options.offset;
  let stopTail = () => {};
  let stateTimer: ReturnType<typeof setTimeout> | undefined;
  let destroyed = false;
  const expanded = new Set<number>();
  const atHead = () => held.last >= head;

  const context: FeedRenderContext = {
    typeLink: links.typeLink,
    streamLink: (target) => links.streamLink(target),
    yaml: (value) => yamlView(toYaml(value)),
    eventHref: (offset) => routeHref(path, offset),
    markdown: (source) => renderMarkdown(source),
    append: (event) => api.append(path, event),
  };
  const kindByName = new Map(options.kinds.map((kind) => [kind.name, kind]));
  const renderItem = (item: FeedItem) => (kindByName.get(item.kind) ?? options.kinds.at(-1)!).render(item, context);
  const holdsFocus = (item: FeedItem) => focus !== undefined && item.firstOffset <= focus && focus <= item.lastOffset;

  const feedList = createVirtualList<FeedItem>({
    className: "feed-list",
    key: (item) => item.key,
    render: (item) =>
      h(
        "div",
        { class: `feed-row${holdsFocus(item) ? " highlight" : ""}`, dataset: { first: String(item.firstOffset), last: String(item.lastOffset) } },
        renderItem(item),
      ),
    estimateHeight: (item) => (item.kind === "raw" || item.kind === "notice" ? 36 : 110),
    onNearTop: () => void loadOlder(),
    onNearBottom: () => void loadNewer(),
    followBottom: focus === undefined,
    alignBottom: true,
    empty: () => h("p", { class: "list-empty muted" }, "No events yet. Append one below, or with curl."),
  });
  const eventList = createVirtualList<StoredEvent>({
    className: "event-list",
    key: (event) => String(event.offset),
    render: (event) =>
      eventRow(event, links, {
        expanded: expanded.has(event.offset),
        highlighted: event.offset === focus,
        onToggle: (offset) => {
          if (expanded.has(offset)) expanded.delete(offset);
          else expanded.add(offset);
          eventList.refresh();
        },
        onCopyJson: (copied) => void copyText(JSON.stringify(copied, null, 2), `event ${copied.offset} as JSON`),
        onCopyCurl: (copied) => void copyText(curlForEvent(copied, api.streamUrl(path), api.project), `event ${copied.offset} as curl`),
        onFork: (event) => void forkFrom(event.offset),
      }),
    estimateHeight: estimateEventRowHeight,
    onNearTop: () => void loadOlder(),
    onNearBottom: () => void loadNewer(),
    followBottom: focus === undefined,
    empty: () => h("p", { class: "list-empty muted" }, "No events yet. Append one below, or with curl."),
  });
  const trace = createTraceTab(api, path, context.eventHref);

  const statePanel = createStatePanel(links, { append: (event) => api.append(path, event).then(() => refreshState()) });
  const pause = createPauseControl({ append: (event) => api.append(path, event).then(() => refreshState()) });
  const composer = createComposer({ presets: options.presets, links, append: (event) => api.append(path, event) });
  const liveDot = h("span", { class: "live-dot", title: "connecting", role: "img", "aria-label": "Live: connecting" });
  const count = h("span", { class: "event-count muted" });
  const origin = h("span", { class: "fork-origin muted", hidden: true });
  const usageLine = h("span", { class: "stream-usage muted", hidden: true, title: "The agent's token usage on this stream (from its last agent-run-ended)" });
  const banner = h("div", { class: "pause-banner", hidden: true, role: "status" });
  const modeTabs = h("div", { class: "tabs", role: "tablist", "aria-label": "View" });
  const listSlot = h("div", { class: "list-slot", id: "stream-panel", role: "tabpanel", tabindex: "-1" }, h("p", { class: "list-empty muted" }, "Loading…"));
  const olderStatus = h("div", { class: "older-status", hidden: true, role: "status" }, "Loading events…");
  const search = createSearchPanel(api, path, () => search.close());
  const searchInput = h("input", {
    class: "search-input",
    type: "search",
    placeholder: "Search: text, type:agent-*",
    "aria-label": "Search this stream (text, or type:name)",
  });
  const gotoInput = h("input", { class: "goto-input", type: "text", placeholder: "Go to # or time", "aria-label": "Go to an offset or a time" });
  const gotoError = h("span", { class: "goto-error error-message", role: "alert" });
  const toolbar = h(
    "div",
    { class: "stream-toolbar" },
    h(
      "form",
      {
        class: "search-form",
        role: "search",
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          search.run(searchInput.value);
        },
      },
      searchInput,
      h("button", { type: "submit" }, "Search"),
    ),
    h(
      "form",
      {
        class: "goto-form",
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          void goTo(gotoInput.value.trim());
        },
      },
      gotoInput,
      h("button", { type: "submit" }, "Go"),
      gotoError,
    ),
  );
  const stateToggle = h(
    "button",
    { class: "state-toggle", type: "button", "aria-expanded": "false", "aria-controls": "state-panel", onclick: () => toggleState() },
    "State",
  );

  const element = h(
    "div",
    { class: "stream-view" },
    h(
      "div",
      { class: "stream-main" },
      h(
        "header",
        { class: "stream-header" },
        h("div", { class: "stream-title" }, liveDot, h("h1", null, breadcrumbs(path, links)), count, origin, usageLine),
        h("div", { class: "stream-actions" }, modeTabs, pause.element, stateToggle),
        toolbar,
      ),
      banner,
      h("div", { class: "list-frame" }, listSlot, search.element, olderStatus),
      composer.element,
    ),
    statePanel.element,
  );

  function toggleState(open = !element.classList.contains("state-open")): void {
    const was = element.classList.contains("state-open");
    element.classList.toggle("state-open", open);
    stateToggle.setAttribute("aria-expanded", String(open));
    // Below 1,100 px the panel is a drawer over the header (its toggle included): focus moves into it and back.
    if (open && !was) stateClose.focus();
    if (!open && was) stateToggle.focus();
  }
  // The drawer's own way out, shown only when the panel is a drawer; Escape closes it too.
  const stateClose = h("button", { class: "state-close", type: "button", "aria-label": "Close the state panel", onclick: () => toggleState(false) }, "Close");
  statePanel.element.prepend(stateClose);
  element.addEventListener("keydown", (event: KeyboardEvent) => {
    if (event.key === "Escape" && element.classList.contains("state-open")) toggleState(false);
  });

  async function goTo(input: string): Promise<void> {
    gotoError.textContent = "";
    if (input === "") return;
    const number = /^#?(\d+)$/.exec(input);
    if (number) {
      location.hash = routeHref(path, Math.max(1, Number(number[1])));
      return;
    }
    // A time: today's "14:03" or "14:03:27", or anything Date understands (2025-05-01T14:03).
    const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(input);
    const time = clock ? new Date().setHours(Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0), 0) : Date.parse(input);
    if (Number.isNaN(time)) {
      gotoError.textContent = "Type an offset (1234) or a time (14:03, 2025-05-01T14:03).";
      return;
    }
    try {
      const offset = await offsetAtTime(api, path, time);
      if (offset === undefined) gotoError.textContent = "The stream has no events yet.";
      else location.hash = routeHref(path, offset);
    } catch (error) {
      gotoError.textContent = (error as Error).message;
    }
  }

  function setMode(next: Mode): void {
    mode = next;
    localStorage.setItem("tributary:view", mode);
    replaceChildren(
      modeTabs,
      (Object.keys(modes) as Mode[]).map((tab) =>
        h(
          "button",
          {
            type: "button",
            role: "tab",
            id: `tab-${tab}`,
            "aria-controls": "stream-panel",
            class: tab === mode ? "active" : "",
            "aria-selected": String(tab === mode),
            onclick: () => setMode(tab),
          },
          modes[tab],
        ),
      ),
    );
    listSlot.setAttribute("aria-labelledby", `tab-${mode}`);
    replaceChildren(listSlot, mode === "feed" ? feedList.element : mode === "events" ? eventList.element : trace.element);
    if (mode !== "trace") trace.hide();
    render();
    revealFocus();
  }

  /** "Fork from here": asks for the new stream's path, forks, and opens the fork. */
  async function forkFrom(offset: number): Promise<void> {
    const to = prompt(`Fork ${path} at #${offset} into a new stream:`, `${path === "/" ? "" : path}-fork-${offset}`);
    if (!to) return;
    try {
      await api.fork(path, offset, to);
      location.hash = routeHref(to);
    } catch (error) {
      showError(error);
    }
  }

  /** Where this stream was forked from (its newest `stream/forked`), shown by its title. */
  async function showForkOrigin(): Promise<void> {
    try {
      const page = await api.page(path, { types: "stream/forked", limit: 100 });
      const forked = page.events.at(-1);
      if (destroyed || !forked) return;
      const from = String(forked.payload.from);
      const atOffset = Number(forked.payload.atOffset);
      replaceChildren(origin, "forked from ", h("a", { href: routeHref(from, Math.max(1, atOffset)) }, `${from} @ #${atOffset}`));
      origin.hidden = false;
    } catch {
      // An older server without forks, or a read refused: nothing to show.
    }
  }

  function showUsage(): void {
    const ended = held.events.findLast((event) => event.type === "agent-run-ended" && event.payload.streamUsage !== undefined);
    if (!ended) return;
    usageLine.textContent = `· ${formatUsage(record(ended.payload.streamUsage))}`;
    usageLine.hidden = false;
  }

  function render(): void {
    showUsage();
    if (mode === "feed") feedList.setItems(feed.items);
    else if (mode === "events") eventList.setItems(held.events);
    else trace.show(); // the whole stream's LLM calls, read with the server's filters
    const partial = held.events.length > 0 && (held.first > 1 || !atHead());
    const loaded = partial ? ` · #${held.first.toLocaleString()}–${held.last.toLocaleString()} loaded` : "";
    count.textContent = `${head.toLocaleString()} event${head === 1 ? "" : "s"}${loaded}`;
  }

  /** Scrolls the permalinked event (or the feed item holding it) into view. */
  function revealFocus(): void {
    if (focus === undefined) return;
    if (mode === "events") eventList.scrollToKey(String(focus));
    else if (mode === "feed") {
      const item = feed.items.find(holdsFocus);
      if (item) feedList.scrollToKey(item.key);
    }
  }

  function onLive(events: StoredEvent[]): void {
    for (const event of events) head = Math.max(head, event.offset);
    trace.add(events);
    const next = appendEvents(held, events);
    if (next === held) {
      // Not contiguous with what is held (opened at a permalink): keep them for when the window gets here.
      if (!atHead() && pendingLive.length < maxPendingLive) pendingLive.push(...events.filter((event) => event.offset > held.last));
      render();
      return;
    }
    const fresh = next.events.slice(held.events.length);
    held = next;
    feed = appendToFeed(feed, fresh, options.kinds);
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
      if (destroyed) return;
      const next = prependEvents(held, page.events);
      if (next !== held) {
        feed = prependToFeed(feed, next.events.slice(0, next.events.length - held.events.length), options.kinds);
        held = next;
      }
      render();
    } catch (error) {
      showError(error);
    } finally {
      loadingOlder = false;
      olderStatus.hidden = true;
    }
  }

  async function loadNewer(): Promise<void> {
    if (loadingNewer || atHead() || held.events.length === 0) return;
    loadingNewer = true;
    olderStatus.hidden = false;
    try {
      const page = await api.page(path, { afterOffset: held.last, limit: pageSize });
      if (destroyed) return;
      head = Math.max(head, page.lastOffset);
      let next = appendEvents(held, page.events);
      if (next.last >= head || pendingLive.some((event) => event.offset === next.last + 1)) {
        next = appendEvents(next, pendingLive);
        pendingLive = [];
      }
      feed = appendToFeed(feed, next.events.slice(held.events.length), options.kinds);
      held = next;
      if (atHead()) {
        feedList.setFollow(true);
        eventList.setFollow(true);
      }
      render();
    } catch (error) {
      showError(error);
    } finally {
      loadingNewer = false;
      olderStatus.hidden = true;
    }
  }

  async function refreshState(): Promise<void> {
    try {
      const state: StreamState = await api.state(path);
      if (destroyed) return;
      statePanel.show(state);
      const paused = state.pause ?? null;
      const failing =
        (Array.isArray(record(state.subscriptions).subscriptions) &&
          (record(state.subscriptions).subscriptions as unknown[]).some((entry) => record(entry).failing)) ||
        (Array.isArray(record(state.processors).processors) &&
          (record(state.processors).processors as unknown[]).some((entry) => /fail|error|crash/.test(String(record(entry).status))));
      options.onBadges?.({ agent: held.events.some((event) => event.type.startsWith("agent-")), paused: paused !== null, failing });
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
      const first = await api.page(path, { afterOffset: "end", limit: 1 });
      head = first.lastOffset;
      if (focus !== undefined && focus > head) {
        announce(`Event #${focus} does not exist (yet): the stream has ${head} events.`);
        focus = undefined;
      }
      const from = focus !== undefined ? Math.max(0, focus - 1 - tailSize / 2) : Math.max(0, head - tailSize);
      const page = await api.page(path, { afterOffset: from, limit: tailSize });
      if (destroyed) return;
      held = appendEvents(emptyWindow(from), page.events);
      feed = appendToFeed(emptySegmentedFeed, held.events, options.kinds);
      if (!atHead()) {
        feedList.setFollow(false);
        eventList.setFollow(false);
      }
      setMode(mode);
      // The tail starts at the head as read first: anything later arrives live, nothing is missed.
      let wasLive = false;
      stopTail = openLiveTail(api.liveUrl(path, head), onLive, (status: LiveStatus) => {
        if (status === "live") wasLive = true;
        else if (wasLive && !destroyed) api.connectivity?.failed();
        liveDot.className = `live-dot ${status}`;
        liveDot.title = status;
        liveDot.setAttribute("aria-label", `Live: ${status}`);
      });
      if (focus !== undefined) announce(`Showing event #${focus}`);
    } catch (error) {
      showError(error);
    }
    void refreshState();
    void showForkOrigin();
  }
  void start();

  return {
    element,
    /** Whether the composer can append (the server answers). */
    setOnline(online: boolean) {
      composer.setEnabled(online);
    },
    destroy() {
      destroyed = true;
      stopTail();
      search.close();
      trace.destroy();
      clearTimeout(stateTimer);
      statePanel.destroy();
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

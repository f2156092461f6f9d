import { h, type Child } from "../dom.ts";
import type { FeedItem, FeedRenderContext, Origin } from "./feed-kind.ts";
import { formatTime } from "../views/format.ts";
import { icon, type IconName } from "../views/icons.ts";

export type Tone = "info" | "config" | "error" | "ok" | "warn" | "tool";

/**
 * The common frame of a feed item: a title, the body, and a meta line with the offsets it came from,
 * each event type linked to its docs, and the time.
 *
 * @example
 * card(item, context, { tone: "config", icon: "clock", title: "Schedule heartbeat", body: h("p", null, "every 5 s") });
 */
export function card(item: FeedItem, context: FeedRenderContext, options: { tone: Tone; icon: IconName; title: Child; body?: Child }): HTMLElement {
  return h(
    "article",
    { class: `feed-card tone-${options.tone}`, dataset: { kind: item.kind } },
    h("header", null, h("span", { class: "feed-icon" }, icon(options.icon)), h("span", { class: "feed-title" }, options.title), meta(item, context)),
    options.body ? h("div", { class: "feed-body" }, options.body) : null,
  );
}

/**
 * A one-line notice (paused, a child created, a run ended): an icon, a message, details, the provenance.
 *
 * @example
 * notice(item, context, { tone: "warn", icon: "pause", message: "Stream paused", detail: "investigating" });
 */
export function notice(item: FeedItem, context: FeedRenderContext, options: { tone: Tone; icon: IconName; message: Child; detail?: Child }): HTMLElement {
  return h(
    "div",
    { class: `feed-notice tone-${options.tone}`, dataset: { kind: item.kind } },
    h("span", { class: "feed-icon" }, icon(options.icon)),
    h("strong", null, options.message),
    options.detail ? h("span", { class: "notice-detail" }, options.detail) : null,
    meta(item, context),
  );
}

/** "12:00:01 #12–40 type-a type-b": when, from which events, of which types (each linked to its docs). */
export function meta(item: FeedItem, context: FeedRenderContext): HTMLElement {
  const offsets = item.firstOffset === item.lastOffset ? `#${item.firstOffset}` : `#${item.firstOffset}–${item.lastOffset}`;
  return h(
    "span",
    { class: "feed-meta" },
    h("time", { datetime: item.at, title: item.at }, formatTime(item.at)),
    h("a", { class: "offset", href: context.eventHref(item.firstOffset), title: "Link to this event" }, offsets),
    item.types.length <= 2 ? item.types.map((type) => context.typeLink(type)) : moreTypes(item.types, context),
    item.origin ? originChip(item.origin) : null,
  );
}

function originChip(origin: Origin): HTMLElement {
  const from = origin.sourceOffset === undefined ? "" : ` from #${origin.sourceOffset}`;
  return h(
    "span",
    { class: "chip", title: `Appended by the ${origin.by} ${origin.slug}${from}` },
    icon(origin.by === "schedule" ? "clock" : "swap"),
    `${origin.slug}${from}`,
  );
}

/** The first type, then a button that shows the others: a streamed reply is made of half a dozen types. */
function moreTypes(types: readonly string[], context: FeedRenderContext): HTMLElement[] {
  const rest = h(
    "span",
    { class: "more-types", hidden: true },
    types.slice(1).map((type) => context.typeLink(type)),
  );
  const button = h("button", { class: "link-button more-button", type: "button", title: types.slice(1).join(", ") }, `+${types.length - 1} types`);
  button.addEventListener("click", () => {
    rest.hidden = false;
    button.remove();
  });
  return [context.typeLink(types[0]!), button, rest];
}

/** A monospace block that shows the first lines of a long text and expands on demand. */
export function codeBlock(source: string, options: { previewLines?: number; label?: string } = {}): HTMLElement {
  const previewLines = options.previewLines ?? 12;
  const lines = source.split("\n");
  const pre = h("pre", { class: "code" });
  const show = (all: boolean) => {
    // Very large bundles are cut even when expanded: the DOM is not a code viewer.
    const shown = all ? source.slice(0, 200_000) : lines.slice(0, previewLines).join("\n");
    pre.textContent = shown;
  };
  show(lines.length <= previewLines);
  if (lines.length <= previewLines) return pre;
  const toggle = h("button", { class: "link-button", type: "button" }, `Show all ${lines.length} lines${options.label ? ` of ${options.label}` : ""}`);
  let open = false;
  toggle.addEventListener("click", () => {
    open = !open;
    show(open);
    toggle.textContent = open ? "Show less" : `Show all ${lines.length} lines`;
  });
  return h("div", { class: "code-wrap" }, pre, toggle);
}

import type { StoredEvent } from "@tributary/protocol";
import { h } from "../dom.ts";
import { toYaml } from "../yaml/to-yaml.ts";
import { formatTime } from "./format.ts";
import type { Links } from "./links.ts";
import { routeHref } from "../route.ts";
import { yamlView } from "./yaml-view.ts";

const yamlCache = new WeakMap<StoredEvent, string>();
const previewLines = 24;
const previewChars = 4000;

/** The YAML of an event, computed once per event object. */
export function eventYaml(event: StoredEvent): string {
  let yaml = yamlCache.get(event);
  if (yaml === undefined) {
    yaml = toYaml(event);
    yamlCache.set(event, yaml);
  }
  return yaml;
}

/** What an event row does beyond showing the event: expand, and the per-event actions. */
export interface EventRowActions {
  expanded: boolean;
  highlighted: boolean;
  onToggle(offset: number): void;
  onCopyJson(event: StoredEvent): void;
  onCopyCurl(event: StoredEvent): void;
  /** "Fork from here": a new stream holding the events up to this one. */
  onFork(event: StoredEvent): void;
}

/**
 * One raw event as the talk shows it: the whole event as YAML, under a line with its offset (the event's
 * permalink), its type (linked to the type's docs), its time and its actions (copy as JSON or as `curl`).
 * Long events show their first lines and expand on demand.
 *
 * @example
 * list.render = (event) => eventRow(event, links, { expanded: false, highlighted: false, onToggle, onCopyJson, onCopyCurl });
 */
export function eventRow(event: StoredEvent, links: Links, actions: EventRowActions): HTMLElement {
  const { expanded, onToggle } = actions;
  const yaml = eventYaml(event);
  const lines = yaml.split("\n");
  const long = lines.length > previewLines || yaml.length > previewChars;
  const shown = !long || expanded ? yaml : cut(lines);
  return h(
    "div",
    { class: `event-row${actions.highlighted ? " highlight" : ""}`, dataset: { offset: String(event.offset), type: event.type } },
    h(
      "div",
      { class: "event-head" },
      h("a", { class: "offset", href: routeHref(event.streamPath, event.offset), title: "Link to this event" }, `#${event.offset}`),
      links.typeLink(event.type),
      h("time", { datetime: event.createdAt, title: event.createdAt }, formatTime(event.createdAt)),
      h(
        "span",
        { class: "event-actions" },
        h(
          "button",
          { class: "link-button copy-json", type: "button", "aria-label": `Copy event ${event.offset} as JSON`, onclick: () => actions.onCopyJson(event) },
          "JSON",
        ),
        h(
          "button",
          {
            class: "link-button copy-curl",
            type: "button",
            "aria-label": `Copy event ${event.offset} as a curl command`,
            onclick: () => actions.onCopyCurl(event),
          },
          "curl",
        ),
        h(
          "button",
          {
            class: "link-button fork-here",
            type: "button",
            "aria-label": `fork from here (event ${event.offset})`,
            title: "A new stream with the events up to this one",
            onclick: () => actions.onFork(event),
          },
          "fork from here",
        ),
      ),
    ),
    yamlView(shown),
    long
      ? h(
          "button",
          { class: "link-button", type: "button", onclick: () => onToggle(event.offset) },
          expanded ? "Show less" : `Show all ${lines.length} lines (${Math.ceil(yaml.length / 1024)} KB)`,
        )
      : null,
  );
}

function cut(lines: string[]): string {
  const head = lines.slice(0, previewLines).join("\n");
  return head.length > previewChars ? `${head.slice(0, previewChars)}…` : head;
}

/** A guess at a row's height before it is measured: head, YAML lines, maybe the toggle. */
export function estimateEventRowHeight(event: StoredEvent): number {
  const payloadKeys = Object.keys(event.payload ?? {}).length;
  return 34 + 19 * Math.min(previewLines, 5 + payloadKeys);
}

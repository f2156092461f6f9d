import type { EventInput } from "@tributary/protocol";
import type { StreamState } from "../api/api-client.ts";
import { h, replaceChildren } from "../dom.ts";
import { toYaml } from "../yaml/to-yaml.ts";
import type { Links } from "./links.ts";
import { yamlView } from "./yaml-view.ts";

/** What a built-in's empty (null) state means, where "none" would say too little. */
const inactive: Record<string, string> = { pause: "not paused" };

/**
 * The stream's reduced state as the server's built-ins see it (`GET /api/state/<path>`): the head, the
 * children, and one entry per built-in (paused?, breaker, schedules, subscriptions, processors).
 *
 * @example
 * const panel = createStatePanel(links);
 * panel.show(await api.state("/jonas/agent"));
 */
export function createStatePanel(links: Links, _actions?: { append(event: EventInput): Promise<unknown> }) {
  const body = h("div", { class: "state-body" }, h("p", { class: "muted" }, "Loading…"));
  const element = h("aside", { class: "state-panel", id: "state-panel", "aria-label": "Stream state" }, h("h2", null, "State"), body);
  return {
    element,
    show(state: StreamState) {
      const { project: _project, path: _path, exists, eventCount, lastOffset, createdAt, childPaths, ...builtins } = state;
      replaceChildren(
        body,
        exists ? null : h("p", { class: "muted" }, "This stream does not exist yet: its first append creates it."),
        h(
          "dl",
          { class: "facts" },
          h("dt", null, "events"),
          h("dd", { class: "state-count" }, Number(eventCount ?? lastOffset).toLocaleString()),
          createdAt ? [h("dt", null, "created"), h("dd", null, new Date(String(createdAt)).toLocaleString())] : null,
          h("dt", null, "children"),
          h("dd", null, childPaths.length === 0 ? h("span", { class: "muted" }, "none") : h("ul", { class: "child-list" }, childPaths.map((path) => h("li", null, links.streamLink(path))))),
        ),
        Object.entries(builtins).map(([slug, value]) =>
          h("section", { class: "builtin-state", dataset: { builtin: slug } }, h("h3", null, slug), value === null ? h("p", { class: "muted" }, inactive[slug] ?? "none") : yamlView(toYaml(value))),
        ),
      );
    },
    error(message: string) {
      replaceChildren(body, h("p", { class: "error-message" }, message));
    },
  };
}

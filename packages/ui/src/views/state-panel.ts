import type { EventInput } from "@tributary/protocol";
import { ApiError, type StreamState } from "../api/api-client.ts";
import { h, replaceChildren, type Child } from "../dom.ts";
import { record, text } from "../feed/feed-kind.ts";
import { toYaml } from "../yaml/to-yaml.ts";
import { formatSeconds } from "./format.ts";
import type { Links } from "./links.ts";
import { yamlView } from "./yaml-view.ts";

export interface StatePanelActions {
  append(event: EventInput): Promise<unknown>;
}

const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(record) : []);

/** "in 12 s", "3 min ago": a time relative to now. */
export function relativeTime(iso: unknown, now = Date.now()): string {
  const at = typeof iso === "string" ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(at)) return "—";
  const seconds = Math.round((at - now) / 1000);
  return seconds >= 0 ? `in ${formatSeconds(seconds)}` : `${formatSeconds(-seconds)} ago`;
}

function scheduleText(schedule: Record<string, unknown>): string {
  switch (schedule.kind) {
    case "every":
      return `every ${formatSeconds(Number(schedule.seconds))}`;
    case "once-in":
      return `once, ${formatSeconds(Number(schedule.seconds))} after configured`;
    case "once-at":
      return `once at ${text(schedule.at)}`;
    case "cron":
      return `cron ${text(schedule.cron)}${schedule.timezone ? ` (${text(schedule.timezone)})` : ""}`;
    default:
      return JSON.stringify(schedule);
  }
}

/**
 * The stream's reduced state as the server's built-ins see it (`GET /api/state/<path>`), as a dashboard:
 * the head and children, paused or not (with Resume), the breaker, each schedule with its next firing
 * (counting down) and Cancel, each webhook with its health and Remove, transformers and hosted processors
 * with Remove. The buttons are plain appends of the built-ins' own events. Anything else shows as YAML.
 *
 * @example
 * const panel = createStatePanel(links, { append: (event) => api.append(path, event) });
 * panel.show(await api.state("/jonas/agent"));
 */
export function createStatePanel(links: Links, actions: StatePanelActions) {
  const body = h("div", { class: "state-body" }, h("p", { class: "muted" }, "Loading…"));
  const status = h("p", { class: "state-action-status", role: "status" });
  const element = h("aside", { class: "state-panel", id: "state-panel", "aria-label": "Stream state" }, h("h2", null, "State"), status, body);
  let last: StreamState | undefined;
  // The countdowns ("next firing in 12 s") tick while the panel is on the page.
  const timer = setInterval(() => {
    if (!element.isConnected) return;
    for (const countdown of element.querySelectorAll<HTMLElement>("[data-due]")) countdown.textContent = relativeTime(countdown.dataset.due);
  }, 1000);

  const act = (label: string, event: EventInput, className = "") =>
    h(
      "button",
      {
        class: `small ${className}`,
        type: "button",
        onclick: async () => {
          status.textContent = "";
          try {
            await actions.append(event);
            status.textContent = `${label}: appended ${event.type}`;
          } catch (error) {
            status.textContent = error instanceof ApiError ? `${error.code}: ${error.message}` : (error as Error).message;
          }
        },
      },
      label,
    );

  const section = (slug: string, title: string, ...children: Child[]) =>
    h("section", { class: "builtin-state", dataset: { builtin: slug } }, h("h3", null, title), ...children);
  const card = (className: string, ...children: Child[]) => h("div", { class: `state-card ${className}` }, ...children);

  function builtinSection(slug: string, value: unknown): HTMLElement {
    const state = record(value);
    switch (slug) {
      case "pause":
        return section(
          slug,
          "Pause",
          value === null
            ? h("p", { class: "state-ok" }, "Running (not paused)")
            : card(
                "warn",
                h("p", null, h("strong", null, "Paused"), `: ${text(state.reason)}`),
                h("p", { class: "muted" }, `since #${String(state.offset)}`),
                act("Resume", { type: "stream/resumed", payload: { reason: "Resumed from the state panel" } }, "resume"),
              ),
        );
      case "circuit-breaker":
        return section(
          slug,
          "Circuit breaker",
          state.maxEvents === null
            ? h("p", { class: "muted" }, "off")
            : h(
                "p",
                null,
                `${String(state.maxEvents)} events / ${String(state.windowSeconds)} s (${text(state.source)}) · ${String(state.recentEvents ?? 0)} recent`,
              ),
        );
      case "scheduler": {
        const schedules = list(state.schedules);
        return section(
          slug,
          `Schedules (${schedules.length})`,
          schedules.length === 0 ? h("p", { class: "muted" }, "none") : null,
          schedules.map((entry) =>
            card(
              "schedule",
              h(
                "div",
                { class: "state-card-head" },
                h("code", null, text(entry.slug)),
                act("Cancel", { type: "schedule/cancelled", payload: { slug: text(entry.slug) } }),
              ),
              h("p", null, scheduleText(record(entry.schedule)), ` · fires ${text(record(entry.event).type)}`),
              h(
                "p",
                { class: "muted" },
                entry.waitingForResume
                  ? h("span", { class: "badge warn" }, "waiting for resume")
                  : entry.nextDueAt
                    ? ["next firing ", h("span", { class: "countdown", dataset: { due: text(entry.nextDueAt) } }, relativeTime(entry.nextDueAt))]
                    : "no further firing",
                ` · fired ${String(entry.firings ?? 0)}×`,
              ),
            ),
          ),
        );
      }
      case "subscriptions": {
        const subscriptions = list(state.subscriptions);
        return section(
          slug,
          `Webhooks (${subscriptions.length})`,
          subscriptions.length === 0 ? h("p", { class: "muted" }, "none") : null,
          subscriptions.map((entry) => {
            const failing = entry.failing ? record(entry.failing) : undefined;
            return card(
              failing ? "error" : "ok",
              h(
                "div",
                { class: "state-card-head" },
                h("code", null, text(entry.slug)),
                act("Remove", { type: "subscription/removed", payload: { slug: text(entry.slug) } }),
              ),
              h("p", { class: "state-url" }, text(entry.url)),
              failing
                ? h(
                    "p",
                    { class: "error-message" },
                    `failing at #${String(failing.offset)}, attempt ${String(failing.attempt)}: ${text(failing.lastError)}`,
                    failing.nextAttemptAt ? ` · retry ${relativeTime(failing.nextAttemptAt)}` : "",
                  )
                : h("p", { class: "state-ok" }, `healthy · delivered through #${String(entry.cursor ?? 0)}`),
            );
          }),
        );
      }
      case "transformers":
      case "processors": {
        const entries = list(state[slug]);
        const removal = slug === "transformers" ? "transformer/removed" : "processor/removed";
        return section(
          slug,
          `${slug === "transformers" ? "Transformers" : "Hosted processors"} (${entries.length})`,
          entries.length === 0 ? h("p", { class: "muted" }, "none") : null,
          entries.map((entry) => {
            const { slug: name, ...rest } = entry;
            const failing = typeof rest.status === "string" && /fail|error|crash/.test(rest.status);
            return card(
              failing ? "error" : "",
              h(
                "div",
                { class: "state-card-head" },
                h("code", null, text(name)),
                rest.status !== undefined ? h("span", { class: `badge${failing ? " error" : ""}` }, text(rest.status)) : null,
                act("Remove", { type: removal, payload: { slug: text(name) } }),
              ),
              yamlView(toYaml(rest)),
            );
          }),
        );
      }
      case "activity":
        return section(
          slug,
          "Activity",
          typeof state.lastEventAt === "string"
            ? h(
                "p",
                null,
                `Last event ${text(state.lastType)} at ${new Date(state.lastEventAt).toLocaleString()}${state.agent === true ? " · an agent's stream" : ""}`,
              )
            : h("p", { class: "muted" }, "no events yet"),
        );
      default:
        return section(slug, slug, value === null ? h("p", { class: "muted" }, "none") : yamlView(toYaml(value)));
    }
  }

  return {
    element,
    show(state: StreamState) {
      last = state;
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
          h(
            "dd",
            null,
            childPaths.length === 0
              ? h("span", { class: "muted" }, "none")
              : h(
                  "ul",
                  { class: "child-list" },
                  childPaths.map((path) => h("li", null, links.streamLink(path))),
                ),
          ),
        ),
        Object.entries(builtins).map(([slug, value]) => builtinSection(slug, value)),
      );
    },
    error(message: string) {
      replaceChildren(body, h("p", { class: "error-message" }, message));
    },
    /** The last state shown (for the tree's badges). */
    get state() {
      return last;
    },
    destroy() {
      clearInterval(timer);
    },
  };
}

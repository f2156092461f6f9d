import { createApiClient, type EventTypeDoc } from "./api/api-client.ts";
import { h, replaceChildren } from "./dom.ts";
import { feedKinds } from "./feed/feed-kinds.ts";
import { createLinks } from "./views/links.ts";
import { presetsFrom } from "./views/presets.ts";
import { createProjectPicker } from "./views/project-picker.ts";
import { createStreamTree } from "./views/stream-tree.ts";
import { createStreamView } from "./views/stream-view.ts";
import { welcome } from "./views/welcome.ts";

/**
 * The app: a header with the project, the stream tree, and the open stream. The route is the hash
 * (`#/jonas/agent`), so any stream path works, dots included; the project is the page's `?project=`.
 */
async function main(): Promise<void> {
  const project = new URLSearchParams(location.search).get("project") || "default";
  const api = createApiClient(project);
  let docs: EventTypeDoc[] = [];
  try {
    docs = await api.eventTypes();
  } catch {
    // Without the docs the UI still works; types just are not linked and presets are fewer.
  }
  const links = createLinks(new Set(docs.map((doc) => doc.type)));
  const presets = presetsFrom(docs);
  const tree = createStreamTree(api, (path) => (location.hash = path));
  const main = h("main", { class: "content" });
  document.body.replaceChildren(
    h(
      "div",
      { class: "app" },
      h(
        "header",
        { class: "app-header" },
        h("a", { class: "brand", href: "#" }, h("span", { class: "brand-mark", "aria-hidden": "true" }, "≋"), "Tributary"),
        createProjectPicker(project),
        h("nav", { class: "header-links" }, h("a", { href: "/api/docs", target: "_blank" }, "HTTP API"), h("a", { href: "/api/docs/events", target: "_blank" }, "Event types")),
      ),
      h("div", { class: "app-body" }, h("div", { class: "sidebar" }, tree.element), main),
    ),
  );

  let view: { destroy(): void } | undefined;
  const route = () => {
    const path = decodeURIComponent(location.hash.slice(1));
    view?.destroy();
    view = undefined;
    tree.setCurrent(path);
    if (!path.startsWith("/")) {
      replaceChildren(main, welcome(project));
      document.title = "Tributary";
      return;
    }
    const stream = createStreamView({ api, path, links, presets, kinds: feedKinds });
    view = stream;
    replaceChildren(main, stream.element);
    document.title = `${path} · Tributary`;
  };
  addEventListener("hashchange", route);
  route();
}

void main();

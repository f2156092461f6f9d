import { createApiClient, type EventTypeDoc } from "./api/api-client.ts";
import { createConnectivity } from "./api/connectivity.ts";
import { h, replaceChildren } from "./dom.ts";
import { feedKinds } from "./feed/feed-kinds.ts";
import { parseRoute } from "./route.ts";
import { announce, announcer } from "./views/announce.ts";
import { createLinks } from "./views/links.ts";
import { presetsFrom } from "./views/presets.ts";
import { createProjectPicker } from "./views/project-picker.ts";
import { createStreamTree } from "./views/stream-tree.ts";
import { createStreamView } from "./views/stream-view.ts";
import { welcome } from "./views/welcome.ts";

/**
 * The app: a header with the project, the stream tree, and the open stream. The route is the hash
 * (`#/jonas/agent`, or `#/jonas/agent@42` for one event), so any stream path works, dots included; the
 * project is the page's `?project=`. When the server goes away a banner says so, the composer is
 * disabled, and once it answers again the tree and the open view reload by themselves.
 */
async function main(): Promise<void> {
  const project = new URLSearchParams(location.search).get("project") || "default";
  const connectivity = createConnectivity(location.origin);
  const api = createApiClient(project, location.origin, connectivity);
  let docs: EventTypeDoc[] = [];
  try {
    docs = await api.eventTypes();
  } catch {
    // Without the docs the UI still works; types just are not linked and presets are fewer.
  }
  const links = createLinks(new Set(docs.map((doc) => doc.type)));
  const presets = presetsFrom(docs);
  let tree = createStreamTree(api, (path) => (location.hash = path));
  const sidebar = h("div", { class: "sidebar", id: "sidebar" }, tree.element);
  const main = h("main", { class: "content", id: "content", tabindex: "-1" });
  const offline = h(
    "div",
    { class: "offline-banner", role: "alert", hidden: true },
    h("strong", null, "Offline"),
    " — the server does not answer. Retrying; this page recovers by itself.",
  );
  const drawerToggle = h(
    "button",
    {
      class: "drawer-toggle",
      type: "button",
      "aria-expanded": "false",
      "aria-controls": "sidebar",
      onclick: () => setDrawer(!app.classList.contains("drawer-open")),
    },
    "Streams",
  );
  const skip = h(
    "a",
    {
      class: "skip-link",
      href: "#content",
      // The hash is the route; move the focus instead of navigating.
      onclick: (event: MouseEvent) => {
        event.preventDefault();
        (main.querySelector<HTMLElement>("[role=tabpanel], h1, textarea") ?? main).focus();
      },
    },
    "Skip to content",
  );
  const app = h(
    "div",
    { class: "app" },
    h(
      "header",
      { class: "app-header" },
      drawerToggle,
      h("a", { class: "brand", href: "#" }, h("span", { class: "brand-mark", "aria-hidden": "true" }, "≋"), "Tributary"),
      createProjectPicker(project),
      h(
        "nav",
        { class: "header-links", "aria-label": "Documentation" },
        h("a", { href: "/api/docs", target: "_blank" }, "HTTP API"),
        h("a", { href: "/api/docs/events", target: "_blank" }, "Event types"),
      ),
    ),
    offline,
    h("div", { class: "app-body" }, sidebar, main),
  );
  document.body.replaceChildren(skip, app, announcer());

  function setDrawer(open: boolean): void {
    app.classList.toggle("drawer-open", open);
    drawerToggle.setAttribute("aria-expanded", String(open));
    if (open) tree.element.querySelector<HTMLElement>(".tree-filter")?.focus();
  }

  let view: ReturnType<typeof createStreamView> | undefined;
  const route = () => {
    const current = parseRoute(location.hash);
    view?.destroy();
    view = undefined;
    setDrawer(false);
    tree.setCurrent(current.kind === "stream" ? current.path : "");
    if (current.kind === "welcome") {
      replaceChildren(main, welcome(project));
      document.title = "Tributary";
      return;
    }
    if (current.kind === "invalid") {
      replaceChildren(main, h("div", { class: "welcome" }, h("h1", null, "Not a stream path"), h("p", { class: "error-message" }, current.message)));
      document.title = "Tributary";
      return;
    }
    const stream = createStreamView({
      api,
      path: current.path,
      offset: current.offset,
      links,
      presets,
      kinds: feedKinds,
      onBadges: (badges) => tree.setBadges(current.path, badges),
    });
    stream.setOnline(connectivity.online);
    view = stream;
    replaceChildren(main, stream.element);
    document.title = `${current.path} · Tributary`;
  };
  connectivity.subscribe((online) => {
    offline.hidden = online;
    app.classList.toggle("offline", !online);
    view?.setOnline(online);
    if (!online) return announce("Offline: the server does not answer");
    // Back: reload what is shown, from the server, without reloading the page.
    announce("Back online");
    tree.destroy();
    tree = createStreamTree(api, (path) => (location.hash = path));
    sidebar.replaceChildren(tree.element);
    route();
  });
  addEventListener("hashchange", route);
  route();
}

void main();

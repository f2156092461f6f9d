import { h } from "../dom.ts";

/** The page shown when no stream is open: what to do first. */
export function welcome(project: string): HTMLElement {
  const origin = location.origin;
  const projectFlag = project === "default" ? "" : ` -H 'x-tributary-project: ${project}'`;
  return h(
    "div",
    { class: "welcome" },
    h("h1", null, "Every agent gets a URL"),
    h("p", null, "Pick a stream on the left, or type a path into the filter and press Enter. A stream is created by its first append:"),
    h(
      "pre",
      { class: "code" },
      `curl${projectFlag} --json '{"type":"hello-world"}' ${origin}/api/streams/me/hello\ncurl${projectFlag} -N "${origin}/api/streams/me/hello?live=true"`,
    ),
    h("p", null, "Then open ", h("a", { href: "#/me/hello" }, "/me/hello"), " to watch it live, as a feed or as raw YAML events."),
  );
}

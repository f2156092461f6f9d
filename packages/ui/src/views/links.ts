import { h } from "../dom.ts";

export interface Links {
  /** The docs page of an event type: the server's page for a documented type, the URL itself for a URL type. */
  docsHref(type: string): string | undefined;
  typeLink(type: string): HTMLElement;
  streamLink(path: string, label?: string): HTMLElement;
}

/** The UI's hash route of a stream ("#/jonas/agent"); the page's query (the project) stays as it is. */
export function streamHref(path: string): string {
  return `#${path}`;
}

/**
 * Links from event types to their docs and from paths to streams. "The type leads to its documentation":
 * built-in types link to `/api/docs/events/<type>`, a type that is a URL links to itself, any other type
 * is shown as plain text.
 *
 * @example
 * const links = createLinks(new Set(["stream/paused"]));
 * links.docsHref("stream/paused"); // "/api/docs/events/stream/paused"
 */
export function createLinks(documentedTypes: ReadonlySet<string>): Links {
  const docsHref = (type: string) => {
    if (documentedTypes.has(type)) return `/api/docs/events/${type}`;
    if (/^https?:\/\//.test(type)) return type;
    return undefined;
  };
  return {
    docsHref,
    typeLink(type) {
      const href = docsHref(type);
      return href
        ? h("a", { class: "type-link", href, target: "_blank", rel: "noopener", title: `Docs of ${type}` }, type)
        : h("span", { class: "type-link undocumented", title: "A custom event type (no docs page)" }, type);
    },
    streamLink: (path, label = path) => h("a", { class: "stream-link", href: streamHref(path) }, label),
  };
}

import DOMPurify from "dompurify";
import { Marked } from "marked";

// Raw HTML in the source (a model may write `<script>` or `<img onerror>`) is shown as text, never parsed:
// the html renderer escapes it. DOMPurify then cleans what marked made (e.g. a `javascript:` link).
const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
  },
});

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);
}

/**
 * Markdown as a sanitised element: `marked` renders it (GitHub flavour, line breaks kept), DOMPurify
 * sanitises the result, and links open in a new tab without an opener. HTML written in the markdown is
 * escaped, so an event's `<script>` shows as the text `<script>`.
 *
 * @example
 * bubble.append(renderMarkdown("**E42** is `done`"));
 */
export function renderMarkdown(source: string, className = "markdown"): HTMLElement {
  const element = document.createElement("div");
  element.className = className;
  const html = marked.parse(source) as string;
  element.append(DOMPurify.sanitize(html, { RETURN_DOM_FRAGMENT: true, FORBID_TAGS: ["style", "form", "input", "button"], FORBID_ATTR: ["style"] }));
  for (const link of element.querySelectorAll("a[href]")) {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer");
  }
  return element;
}

/** Anything `h` accepts as a child: nodes, text, nested lists; `false`, `null` and `undefined` are skipped. */
export type Child = Node | string | number | false | null | undefined | readonly Child[];

/** Attributes and properties for `h`: `class`, `on<event>` listeners, `dataset`, DOM properties, attributes. */
export type Props = Record<string, unknown>;

/**
 * Creates an element: the UI's one DOM helper, so views read as a tree instead of a wall of calls.
 * `onclick`-style keys add listeners, `class` sets the class name, keys the element has as a property are
 * assigned, the rest become attributes; `null`/`undefined` values and false attributes are left out.
 *
 * @example
 * h("button", { class: "primary", onclick: () => save(), disabled: busy }, "Save");
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    if (value === false) {
      // A false property (spellcheck, hidden) is set; a false attribute is left out.
      if (key in element) (element as unknown as Record<string, unknown>)[key] = false;
      continue;
    }
    if (key === "class") element.className = String(value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value as EventListener);
    else if (key in element && typeof value !== "string") (element as unknown as Record<string, unknown>)[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === "object" ? (child as Node) : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

import { h } from "../dom.ts";

/**
 * A `<pre>` of YAML text with keys, strings, numbers and keywords coloured. It reads the block style
 * `toYaml` writes (keys, "- " items, literal blocks); anything else is shown as plain text.
 *
 * @example
 * parent.append(yamlView(toYaml(event)));
 */
export function yamlView(yaml: string, className = "yaml"): HTMLPreElement {
  const pre = h("pre", { class: className });
  let blockIndent = -1;
  const lines = yaml.split("\n");
  lines.forEach((line, index) => {
    if (index > 0) pre.append("\n");
    if (blockIndent >= 0 && (line === "" || indentOf(line) >= blockIndent)) {
      pre.append(h("span", { class: "y-str" }, line));
      return;
    }
    blockIndent = -1;
    const match = /^(\s*(?:- )*)(?:("(?:[^"\\]|\\.)*"|[^\s"][^:]*?)(:)(?= |$))?(.*)$/.exec(line);
    if (!match) return void pre.append(line);
    const [, prefix = "", key, colon, rest = ""] = match;
    pre.append(prefix);
    if (key !== undefined) pre.append(h("span", { class: "y-key" }, key), colon ?? "");
    const value = rest.trimStart();
    pre.append(rest.slice(0, rest.length - value.length));
    if (/^\|[-+]?$/.test(value)) {
      // Block content is indented past the key's column (or, for "- |", to the item's column).
      blockIndent = key === undefined ? prefix.length : prefix.length + 1;
      pre.append(h("span", { class: "y-punct" }, value));
    } else if (value !== "") pre.append(h("span", { class: classOf(value) }, value));
  });
  return pre;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function classOf(value: string): string {
  if (value.startsWith('"')) return "y-str";
  if (/^(true|false|null)$/.test(value)) return "y-kw";
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return "y-num";
  if (value === "{}" || value === "[]") return "y-punct";
  return "y-str";
}

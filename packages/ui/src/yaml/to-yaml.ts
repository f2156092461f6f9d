/**
 * Renders a JSON value as block-style YAML, the way the talk shows raw events: no flow collections except
 * `{}` and `[]`, multi-line strings as literal blocks (`|`), anything ambiguous double-quoted. Written for
 * display, but exact: parsing the output with a YAML 1.2 parser gives the value back (a test checks that
 * against the `yaml` package).
 *
 * @example
 * toYaml({ type: "hello-world", payload: { text: "line 1\nline 2" } });
 * // type: hello-world
 * // payload:
 * //   text: |-
 * //     line 1
 * //     line 2
 */
export function toYaml(value: unknown): string {
  if (isBlock(value)) return block(value, "").join("\n");
  return scalar(value, "  ");
}

function isBlock(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === "object" && value !== null && Object.keys(value).length > 0;
}

/** The lines of a non-empty mapping or sequence, each prefixed with `indent`. */
function block(value: Record<string, unknown> | unknown[], indent: string): string[] {
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isBlock(item)) {
        // The first line of a nested block shares the dash's line: "- key: value".
        const nested = block(item, `${indent}  `);
        lines.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
      } else {
        lines.push(`${indent}- ${scalar(item, `${indent}  `)}`);
      }
    }
    return lines;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (isBlock(item)) lines.push(`${indent}${plainOrQuoted(key)}:`, ...block(item, `${indent}  `));
    else lines.push(`${indent}${plainOrQuoted(key)}: ${scalar(item, `${indent}  `)}`);
  }
  return lines;
}

/** A scalar, `{}` or `[]`; a multi-line string becomes a literal block indented by `indent`. */
function scalar(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object") return "{}";
  const text = String(value);
  if (text.includes("\n") && literalSafe(text)) return literal(text, indent);
  return plainOrQuoted(text);
}

function literal(text: string, indent: string): string {
  const chomp = text.endsWith("\n") ? "" : "-";
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  const lines = body.split("\n").map((line) => (line === "" ? "" : `${indent}${line}`));
  return `|${chomp}\n${lines.join("\n")}`;
}

/**
 * A literal block cannot start with indentation or an empty line (the indent is detected from it); trailing
 * empty lines would need keep-chomping, which is ambiguous at the end of a document, so those are quoted.
 */
function literalSafe(text: string): boolean {
  return /^[^\s]/.test(text) && !text.endsWith("\n\n") && !needsEscape.test(text) && !text.includes("\r");
}

// Characters YAML does not allow unescaped (C0/C1 controls, DEL, BOM, surrogates) or reads as line breaks.
const needsEscape = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/;
const reserved = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|<<)$/;
const numberLike =
  /^(?:[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?)$/;

function plainOrQuoted(text: string): string {
  const plain =
    text !== "" &&
    !/^(?:---|\.\.\.)/.test(text) &&
    !/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(text) &&
    !/\s$/.test(text) &&
    !/:(\s|$)|\s#|[\n\t]/.test(text) &&
    !needsEscape.test(text) &&
    !reserved.test(text) &&
    !numberLike.test(text);
  if (plain || (/^-[^\s\-]/.test(text) && plainAfterDash(text))) return text;
  // JSON strings are YAML double-quoted scalars, once the characters JSON leaves raw are escaped too.
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** "-foo" is a plain scalar (a dash starts a sequence only when a space follows), "-1" is a number. */
function plainAfterDash(text: string): boolean {
  return !numberLike.test(text) && !/\s$/.test(text) && !/:(\s|$)|\s#|[\n\t]/.test(text) && !needsEscape.test(text);
}

import { TributaryError } from "@tributary/protocol";

/**
 * How deeply a JSON request body may nest (objects and arrays, the outermost counting as 1). Serialising a
 * value calls itself once per level, so a body nested a few thousand levels deep (which parses fine)
 * would overflow the stack when stored, read or shown; 256 levels is far more than real data uses.
 */
export const maxJsonDepth = 256;

/**
 * Refuses a parsed JSON body that nests deeper than `maxJsonDepth` with 400 `invalid_json`. It walks the
 * value with its own stack (no recursion), so the check itself cannot overflow, and costs one visit per value.
 * Given the length of the text it was parsed from, it walks nothing when that text is too short to nest
 * past the limit: every level takes an opening and a closing bracket, so it needs 2 × (limit + 1)
 * characters (most append bodies are shorter).
 *
 * @example
 * const body = JSON.parse(text); // SyntaxError handled by the caller, as before
 * checkJsonDepth(body, text.length);
 */
export function checkJsonDepth(value: unknown, textLength = Number.POSITIVE_INFINITY): void {
  if (textLength < 2 * (maxJsonDepth + 1) || typeof value !== "object" || value === null) return;
  const pending: { value: object; depth: number }[] = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (depth > maxJsonDepth) {
      throw new TributaryError(
        "invalid_json",
        `The JSON body nests more than ${maxJsonDepth} levels deep (objects and arrays); the limit is ${maxJsonDepth}. Flatten the data, or send deep structures as a string.`,
        { limit: maxJsonDepth },
      );
    }
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) if (typeof child === "object" && child !== null) pending.push({ value: child as object, depth: depth + 1 });
  }
}

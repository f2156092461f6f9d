/**
 * Throws a `TypeError` when `options` has a key outside `accepted`, naming it (with the closest accepted
 * name when one is near) and every accepted one: a misspelt option would otherwise be ignored without a
 * word. `undefined` values count as absent, so `{ signal: undefined }` passes wherever `signal` does.
 *
 * @example
 * assertKnownOptions("createEventsClient", { baseURL: "http://x" }, ["baseUrl", "project"]);
 * // TypeError: createEventsClient: unknown option 'baseURL' (did you mean 'baseUrl'?); it accepts baseUrl, project.
 */
export function assertKnownOptions(where: string, options: unknown, accepted: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: expected an options object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}.`);
  }
  const unknown = Object.keys(options).filter((key) => !accepted.includes(key) && (options as Record<string, unknown>)[key] !== undefined);
  if (unknown.length === 0) return;
  const named = unknown.map((key) => {
    const near = closest(key, accepted);
    return near ? `'${key}' (did you mean '${near}'?)` : `'${key}'`;
  });
  throw new TypeError(`${where}: unknown option${unknown.length > 1 ? "s" : ""} ${named.join(", ")}; it accepts ${accepted.join(", ")}.`);
}

/** The accepted name within two edits (case ignored) of `key`, if any. */
function closest(key: string, accepted: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of accepted) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

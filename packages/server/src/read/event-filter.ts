import { TributaryError } from "@tributary/protocol";
import type { EventFilter } from "../store/stream-store.ts";

const maxTypes = 100;
const maxTextLength = 1000;
const typePattern = /^[^\s,*]+$/;

/**
 * Parses the read filter of a request: `types=a,b,agent-*` (exact types; a trailing `*` makes a prefix)
 * and `q=text` (a substring of the event's JSON). Neither given (or both empty): `undefined`, no filter.
 *
 * @example
 * parseEventFilter("agent-*,stream/paused", "timeout"); // { types: ["stream/paused"], typePrefixes: ["agent-"], text: "timeout" }
 */
export function parseEventFilter(types: string | undefined, q: string | undefined): EventFilter | undefined {
  const exact: string[] = [];
  const prefixes: string[] = [];
  if (types !== undefined && types !== "") {
    const items = types.split(",").map((item) => item.trim());
    if (items.length > maxTypes) throw new TributaryError("invalid_query", `types lists ${items.length} types; the limit is ${maxTypes}.`);
    for (const item of items) {
      const prefix = item.endsWith("*") ? item.slice(0, -1) : undefined;
      const name = prefix ?? item;
      if (!typePattern.test(name)) {
        throw new TributaryError(
          "invalid_query",
          `types must be a comma-separated list of event types, each exact or ending in * for a prefix (agent-*); got ${JSON.stringify(item)}.`,
        );
      }
      (prefix === undefined ? exact : prefixes).push(name);
    }
  }
  if (q !== undefined && q.length > maxTextLength)
    throw new TributaryError("invalid_query", `q is ${q.length} characters long; the limit is ${maxTextLength}.`);
  const text = q === undefined || q === "" ? undefined : q;
  if (exact.length === 0 && prefixes.length === 0 && text === undefined) return undefined;
  return text === undefined ? { types: exact, typePrefixes: prefixes } : { types: exact, typePrefixes: prefixes, text };
}

/** ASCII letters lower-cased, other characters kept: the one case rule of every backend and of live reads. */
export function asciiLower(value: string): string {
  return value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * A test of one event against a filter, for events that are in memory (live fan-out). It agrees with
 * the stores' SQL: the contract suite checks both against the same events.
 */
export function eventMatcher(filter: EventFilter): (type: string, json: string) => boolean {
  const exact = new Set(filter.types);
  const needle = filter.text === undefined ? undefined : asciiLower(filter.text);
  const anyType = exact.size === 0 && filter.typePrefixes.length === 0;
  return (type, json) =>
    (anyType || exact.has(type) || filter.typePrefixes.some((prefix) => type.startsWith(prefix))) &&
    (needle === undefined || asciiLower(json).includes(needle));
}

/** A `LIKE` pattern (escape character `\`) that matches any text containing `text`. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

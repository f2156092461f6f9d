import { asciiLower, likeContaining } from "../../read/event-filter.ts";
import type { EventFilter } from "../stream-store.ts";

const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * The SQL condition (` AND …`) of a read filter on `tributary_events e`, numbering its parameters from
 * `firstParam`. The text is lower-cased by `translate` over ASCII letters only, not `ILIKE`, whose case
 * folding depends on the database's locale: every backend and live reads must agree on what matches.
 */
export function postgresFilterCondition(filter: EventFilter | undefined, firstParam: number): { sql: string; params: string[] } {
  if (!filter) return { sql: "", params: [] };
  const params: string[] = [];
  const next = (value: string) => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  const tests = [
    ...(filter.types.length > 0 ? [`e.type IN (${filter.types.map(next).join(", ")})`] : []),
    ...filter.typePrefixes.map((prefix) => `starts_with(e.type, ${next(prefix)})`),
  ];
  let sql = tests.length > 0 ? ` AND (${tests.join(" OR ")})` : "";
  if (filter.text !== undefined) {
    sql += ` AND translate(e.json, '${upper}', '${upper.toLowerCase()}') LIKE ${next(likeContaining(asciiLower(filter.text)))}`;
  }
  return { sql, params };
}

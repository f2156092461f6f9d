import { asciiLower, likeContaining } from "../../read/event-filter.ts";
import type { EventFilter } from "../stream-store.ts";

/**
 * The SQL condition (` AND …`, with `?` parameters in order) of a read filter on the `events` table. Its
 * text depends only on the filter's shape (how many types and prefixes, text or not), so prepared
 * statements can be cached by it. A prefix is a GLOB (case-sensitive, like the exact types); the text is
 * a LIKE, which in SQLite compares ASCII letters without case: the filter's case rule.
 */
export function sqliteFilterCondition(filter: EventFilter | undefined): { sql: string; params: string[] } {
  if (!filter) return { sql: "", params: [] };
  const tests = [...(filter.types.length > 0 ? [`type IN (${filter.types.map(() => "?").join(", ")})`] : []), ...filter.typePrefixes.map(() => "type GLOB ?")];
  const params = [...filter.types, ...filter.typePrefixes.map((prefix) => `${prefix.replace(/[[*?]/g, (char) => `[${char}]`)}*`)];
  let sql = tests.length > 0 ? ` AND (${tests.join(" OR ")})` : "";
  if (filter.text !== undefined) {
    sql += " AND json LIKE ? ESCAPE '\\'";
    params.push(likeContaining(asciiLower(filter.text)));
  }
  return { sql, params };
}

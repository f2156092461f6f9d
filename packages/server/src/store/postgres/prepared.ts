const names = new Map<string, string>();

/**
 * A query as a named prepared statement: PostgreSQL parses and plans it once per connection instead of on
 * every call (for the append batch and the commit tailer's read, planning cost more of the database's CPU
 * than running them). The name follows from the text, so one text always has one name; node-pg prepares it
 * on each connection the first time that connection runs it (again after a reconnect).
 *
 * @example
 * await pool.query(prepared("SELECT 1 WHERE $1::int > 0", [1]));
 */
export function prepared(text: string, values: unknown[]): { name: string; text: string; values: unknown[] } {
  let name = names.get(text);
  if (name === undefined) {
    name = `tributary_${names.size + 1}`;
    names.set(text, name);
  }
  return { name, text, values };
}

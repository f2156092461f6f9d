import jsonata from "jsonata";

/** A compiled JSONata expression, or why it does not compile. */
export type CompiledExpression = { ok: true; evaluate(input: unknown): Promise<unknown> } | { ok: false; message: string };

const cache = new Map<string, CompiledExpression>();

/** Limits per evaluation, so a runaway expression fails (and becomes an error event) instead of stalling a stream. */
const guardrails = { timeout: 1000, stack: 500, sequence: 100_000 };

/**
 * Compiles a JSONata expression (cached by source: the same configuration is compiled once per server).
 * Results come back as plain JSON: JSONata's null-prototype objects and sequences are normalised, and
 * `undefined` (no match) stays `undefined`.
 *
 * @example
 * const matcher = compileJsonata("type = 'ping'");
 * if (matcher.ok) await matcher.evaluate({ type: "ping" }); // true
 */
export function compileJsonata(source: string): CompiledExpression {
  const cached = cache.get(source);
  if (cached) return cached;
  let compiled: CompiledExpression;
  try {
    const expression = jsonata(source, guardrails);
    compiled = {
      ok: true,
      evaluate: async (input) => {
        const result: unknown = await expression.evaluate(input);
        return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
      },
    };
  } catch (error) {
    compiled = { ok: false, message: describeJsonataError(error) };
  }
  if (cache.size > 1000) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

/** JSONata errors carry a code, a position and a token; say all three so the user can find the mistake. */
export function describeJsonataError(error: unknown): string {
  const { message, position, code } = error as { message?: string; position?: number; code?: string };
  const where = typeof position === "number" ? ` at character ${position}` : "";
  return `${message ?? String(error)}${where}${code ? ` (JSONata ${code})` : ""}`;
}

/** JSONata's idea of true (as `$boolean`): no match, `false`, `0`, `""`, `null` and empty arrays are false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  if (value !== null && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

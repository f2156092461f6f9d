import jsonata from "jsonata";
import { evaluateInWorker } from "./jsonata-pool.ts";

/** A compiled JSONata expression, or why it does not compile. */
export type CompiledExpression = { ok: true; evaluate(input: unknown): Promise<unknown> } | { ok: false; message: string };

const cache = new Map<string, CompiledExpression>();

/**
 * Compiles a JSONata expression (cached by source: the same configuration is compiled once per server).
 * Compiling only parses, here; evaluating runs in a worker with a hard time limit (jsonata-pool.ts), since
 * the expressions come from events. Results come back as plain JSON: JSONata's null-prototype objects and
 * sequences are normalised, and `undefined` (no match) stays `undefined`.
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
    jsonata(source);
    compiled = { ok: true, evaluate: (input) => evaluateInWorker(source, input) };
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

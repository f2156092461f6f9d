// The worker side of jsonata-pool.ts: evaluates JSONata expressions from events, away from the server's
// event loop, so the pool can terminate one that runs too long (a native regex cannot be interrupted
// any other way).
import { parentPort } from "node:worker_threads";
import jsonata from "jsonata";

/** JSONata's own limits, checked inside the evaluation; the pool's hard limit backs them up. */
const guardrails = { timeout: 1000, stack: 500, sequence: 100_000 };
const cache = new Map<string, ReturnType<typeof jsonata>>();

// Loaded and ready: the pool starts an evaluation's clock only now, so a slow start is not a slow expression.
parentPort!.postMessage({ ready: true });

parentPort!.on("message", async ({ id, source, input }: { id: number; source: string; input: unknown }) => {
  try {
    let expression = cache.get(source);
    if (!expression) {
      expression = jsonata(source, guardrails as never);
      if (cache.size > 1000) cache.clear();
      cache.set(source, expression);
    }
    const result: unknown = await expression.evaluate(input);
    // Plain JSON back: JSONata's null-prototype objects and sequences are normalised.
    parentPort!.postMessage({ id, ok: true, value: result === undefined ? undefined : JSON.parse(JSON.stringify(result)) });
  } catch (error) {
    const { message, position, code } = error as { message?: string; position?: number; code?: string };
    parentPort!.postMessage({ id, ok: false, error: { message: message ?? String(error), position, code } });
  }
});

import { expectAppended, type HttpClient } from "./http-client.ts";

/**
 * The first event of every stream the bench writes to. The circuit breaker built-in pauses a stream
 * that gets more than 100 events in a second (a runaway-loop guard); a benchmark is a deliberate flood,
 * so it raises its streams' limit the way a user would, with `circuit-breaker/configured`. The breaker
 * still runs (and costs what it costs) on every append measured.
 */
export const benchStreamConfiguration = JSON.stringify({
  type: "circuit-breaker/configured",
  payload: { maxEvents: 1_000_000, windowSeconds: 1 },
});

/**
 * Creates a bench stream (request path `/api/streams/...`) with the breaker limit raised.
 *
 * @example
 * await createBenchStream(http, "/api/streams/bench/sequential");
 */
export async function createBenchStream(http: HttpClient, requestPath: string): Promise<void> {
  expectAppended(await http.post(requestPath, benchStreamConfiguration));
}

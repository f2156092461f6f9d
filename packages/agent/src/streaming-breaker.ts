import type { EventsClient } from "@tributary/sdk";

/**
 * The circuit breaker an agent's stream gets: a model streams every chunk as an event, and a fast one
 * streams well over the server's default of 100 events a second, which would pause the stream mid-answer.
 * The agent stores chunks in batches, so a fast local model gets thousands a second through; 10,000
 * events a second still stops a runaway loop within a second.
 */
export const agentBreaker = { maxEvents: 10_000, windowSeconds: 1 } as const;
export const agentBreakerKey = "tributary-agent:circuit-breaker";

/**
 * Raises the breaker of an agent's stream to `agentBreaker`, unless the stream configured its own (the
 * user's choice wins). Appended as a `circuit-breaker/configured` event, so it is visible and undoable.
 */
export async function ensureAgentBreaker(client: EventsClient, path: string): Promise<void> {
  const state = await client.state(path);
  const breaker = state["circuit-breaker"] as { source?: string } | undefined;
  if (breaker?.source === "stream") return;
  await client.append({ path, event: { type: "circuit-breaker/configured", payload: { ...agentBreaker }, idempotencyKey: agentBreakerKey } });
}

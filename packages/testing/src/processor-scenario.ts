import { parseStreamPath, resolveStreamPath, type EventInput, type Processor, type StoredEvent } from "@tributary/protocol";
import { startServer } from "@tributary/server";
import { createEventsClient, PullProcessorRuntime, type RuntimeLogLevel } from "@tributary/sdk";

/** An event for a scenario: an event input (appended to the scenario's path) or one with a path (absolute or relative). */
export type ScenarioEvent = EventInput | { path: string; event: EventInput };

export interface ScenarioOptions {
  /** The stream the processor runs on. Default `/test`. */
  path?: string;
  /** Run on the path's descendants too (a processor that spawns children). */
  includeChildren?: boolean;
  /** Use this server instead of starting an in-memory one (its URL). */
  baseUrl?: string;
  /** How long to wait for the processor to settle. Default 10 s. */
  timeoutMs?: number;
  logLevel?: RuntimeLogLevel;
}

export interface ScenarioResult<State> {
  /** The state of the scenario's path after everything settled. */
  state: State;
  /** The state of any stream the processor ran on. */
  stateOf(path: string): State | undefined;
  /** Every event the processor appended (in `onCaughtUp` and `afterAppend`), in the order stored. */
  appended: StoredEvent[];
  /** Every event of the scenario's path at the end. */
  events: StoredEvent[];
}

/**
 * Given / when / then for a processor, on a real server (in memory, on a free port) and the real pull
 * runtime: `given` events are history (reduced, no side effects), `when` events are appended after the
 * runtime caught up (they get `afterAppend`), then the result is the state and what the processor
 * appended once everything settled. Awaiting the scenario (or calling `then`) runs it.
 *
 * @example
 * await testProcessor(counter)
 *   .given([{ type: "increment" }, { type: "increment" }])
 *   .when({ type: "count-requested" })
 *   .then(({ state, appended }) => {
 *     expect(state.count).toBe(2);
 *     expect(appended.map((event) => event.type)).toEqual(["count-reported"]);
 *   });
 */
export function testProcessor<State>(processor: Processor<State>, options: ScenarioOptions = {}) {
  const given: ScenarioEvent[] = [];
  const when: ScenarioEvent[] = [];
  const path = parseStreamPath(options.path ?? "/test");

  async function run(): Promise<ScenarioResult<State>> {
    const server = options.baseUrl ? undefined : await startServer({ dataDir: ":memory:", port: 0, logLevel: "warn" });
    const baseUrl = options.baseUrl ?? server!.url;
    const client = createEventsClient({ baseUrl });
    const appended: StoredEvent[] = [];
    const runtime = new PullProcessorRuntime({
      path,
      includeChildren: options.includeChildren ?? false,
      processor,
      client,
      logLevel: options.logLevel ?? "warn",
      onAppend: (event) => appended.push(event),
    });
    try {
      for (const item of given) await appendItem(client, item);
      await runtime.start();
      for (const item of when) await appendItem(client, item);
      await runtime.waitForIdle(options.timeoutMs);
      const events: StoredEvent[] = [];
      for await (const event of client.stream({ path })) events.push(event);
      appended.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.offset - b.offset);
      return { state: runtime.state(path) as State, stateOf: (other) => runtime.state(other), appended, events };
    } finally {
      await runtime.stop();
      await server?.close();
    }
  }

  async function appendItem(client: ReturnType<typeof createEventsClient>, item: ScenarioEvent): Promise<void> {
    if ("event" in item && "path" in item && typeof item.path === "string") {
      await client.append({ path: resolveStreamPath(path, item.path), event: item.event });
    } else {
      await client.append({ path, event: item as EventInput });
    }
  }

  const scenario = {
    /** Events that are already in the stream when the processor starts (history). */
    given(events: ScenarioEvent[]) {
      given.push(...events);
      return scenario;
    },
    /** Events appended once the processor caught up. */
    when(events: ScenarioEvent | ScenarioEvent[]) {
      when.push(...(Array.isArray(events) ? events : [events]));
      return scenario;
    },
    /** Runs the scenario. */
    run,
    /** Runs the scenario and hands the result to `assert` (awaiting the scenario does the same). */
    then<A = ScenarioResult<State>, B = never>(
      assert?: ((result: ScenarioResult<State>) => A | PromiseLike<A>) | null,
      onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
    ): Promise<A | B> {
      return run().then(assert, onRejected);
    },
  };
  return scenario;
}

import {
  assertKnownOptions,
  deliveryHeaders,
  describeIssues,
  guardedReduce,
  parseProject,
  storedEventSchema,
  TributaryError,
  type Processor,
  type StoredEvent,
} from "@tributary/protocol";
import { verifyDelivery } from "@tributary/protocol/delivery-signature";
import { z } from "zod";
import { createEventsClient, type EventsClient } from "../client/events-client.ts";
import { createEffectQueue, type EffectOutcome, type EffectQueue } from "./effect-queue.ts";
import { appendedBy, createProcessorAppend } from "./processor-append.ts";
import { reportFailure } from "./report-failure.ts";
import { clientFor, commonRuntimeOptionNames, loggerFor, type CommonRuntimeOptions } from "./runtime-options.ts";
import type { RuntimeLogger } from "./runtime-logger.ts";
import { InterruptedError } from "./stream-runner.ts";

export interface PushRuntimeOptions<State> extends Omit<CommonRuntimeOptions, "consumer" | "startFrom"> {
  processor: Processor<State>;
  /**
   * `after-effects` (default): answer a delivery once its `afterAppend` returned, so the server's retries
   * make side effects at-least-once. `on-receipt`: answer 202 once the event is reduced and its effect
   * queued, so a later delivery can interrupt a long `afterAppend` (effects are then at-most-once).
   */
  acknowledge?: "after-effects" | "on-receipt";
  /**
   * The subscription's secret: deliveries must then carry a valid `tributary-signature`
   * (`sha256=` HMAC-SHA256 of `<tributary-timestamp>.<body>`), or are refused with 401.
   */
  secret?: string;
}

interface PushStream<State> {
  state: State;
  offset: number;
  loaded: boolean;
  queue: EffectQueue;
  lock: Promise<unknown>;
}

const deliverySchema = z.union([z.object({ events: z.array(storedEventSchema).min(1) }), z.object({ event: storedEventSchema }), storedEventSchema]);

/**
 * Feeds a processor from webhook deliveries (the server's push subscriptions) instead of reading streams:
 * `runtime.fetch` is a `(Request) => Promise<Response>` handler to mount in any server (Hono, Node's
 * http via an adapter, Deno, Bun). A delivery body is a stored event (what the server's subscriptions
 * POST), `{event}` or `{events: [...]}`; the `x-tributary-project` header names its project.
 *
 * Delivery guarantees:
 * 1. Per stream, events are reduced in offset order exactly once: a delivery at or below the last offset
 *    reduced is a duplicate, answered 200 and otherwise ignored.
 * 2. The first delivery for a stream (after a start) reads the stream's earlier events and reduces them
 *    without side effects, then `onCaughtUp` runs once: the same catch-up as the pull runtime.
 * 3. A delivery that skips offsets (a subscription filter, a lost delivery) makes the runtime read the
 *    missing events from the stream and reduce them, so the state is right; `afterAppend` runs only for
 *    delivered events.
 * 4. With `acknowledge: "after-effects"` the answer waits for `afterAppend`; a crash before answering
 *    makes the server deliver again (at-least-once). Failures of `afterAppend` become
 *    `stream/error-occurred` events and are answered 200, so a bad event cannot block the subscription.
 * 5. If the stream cannot be read to fill a gap, the answer is 503 and nothing is reduced: the server's
 *    retry delivers the event again.
 *
 * @example
 * const runtime = new PushProcessorRuntime({ processor, baseUrl: "http://127.0.0.1:4000" });
 * app.post("/hooks/tributary", (c) => runtime.fetch(c.req.raw)); // Hono
 */
export class PushProcessorRuntime<State> {
  readonly fetch: (request: Request) => Promise<Response>;
  readonly #streams = new Map<string, PushStream<State>>();
  readonly #stop = new AbortController();
  readonly #processor: Processor<State>;
  readonly #client: EventsClient;
  readonly #clients = new Map<string, EventsClient>();
  readonly #secret: string | undefined;
  readonly #logger: RuntimeLogger;
  readonly #acknowledge: "after-effects" | "on-receipt";
  readonly #onAppend: ((event: StoredEvent) => void) | undefined;

  constructor(options: PushRuntimeOptions<State>) {
    assertKnownOptions("PushProcessorRuntime", options, [
      ...commonRuntimeOptionNames.filter((name) => name !== "consumer" && name !== "startFrom"),
      "processor",
      "acknowledge",
      "secret",
    ]);
    this.#processor = options.processor;
    this.#client = clientFor(options);
    this.#logger = loggerFor(options, options.processor.slug);
    this.#acknowledge = options.acknowledge ?? "after-effects";
    this.#onAppend = options.onAppend;
    this.#secret = options.secret;
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
    this.fetch = (request) => this.#handle(request);
  }

  /** The state of one stream, as far as deliveries (and gap reads) got. */
  state(path: string, project?: string): State | undefined {
    const client = this.#clientFor(project ?? null);
    return this.#streams.get(`${client.project ?? ""}\u0000${path}`)?.state;
  }

  /** The runtime's own client, or one for the project a delivery names. */
  #clientFor(project: string | null): EventsClient {
    if (project === null || project === "" || project === this.#client.project || (this.#client.project === undefined && project === "default"))
      return this.#client;
    const name = parseProject(project);
    let client = this.#clients.get(name);
    if (!client) this.#clients.set(name, (client = createEventsClient({ baseUrl: this.#client.baseUrl, project: name })));
    return client;
  }

  /** Aborts running side effects and waits for them. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error("runtime stopped"));
    await Promise.all([...this.#streams.values()].map((stream) => stream.queue.settled()));
  }

  async #handle(request: Request): Promise<Response> {
    if (request.method !== "POST") return problem(new TributaryError("method_not_allowed", "Deliveries are POSTed."));
    const text = await request.text();
    if (
      this.#secret !== undefined &&
      !verifyDelivery(this.#secret, {
        signature: request.headers.get(deliveryHeaders.signature) ?? "",
        timestamp: request.headers.get(deliveryHeaders.timestamp) ?? "",
        body: text,
      })
    ) {
      return Response.json({ code: "unauthorized", message: "The delivery's tributary-signature does not match the secret.", status: 401 }, { status: 401 });
    }
    let client: EventsClient;
    try {
      client = this.#clientFor(request.headers.get(deliveryHeaders.project));
    } catch (error) {
      return problem(error as TributaryError);
    }
    let events: StoredEvent[];
    try {
      const parsed = deliverySchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new TributaryError("invalid_request", `Not a delivery of stored events: ${describeIssues(parsed.error)}.`);
      const body = parsed.data;
      events = ("events" in body ? body.events : "event" in body ? [body.event] : [body]) as StoredEvent[];
    } catch (error) {
      return problem(error instanceof TributaryError ? error : new TributaryError("invalid_json", "The delivery body must be JSON."));
    }
    const byStream = new Map<string, StoredEvent[]>();
    for (const event of events) byStream.set(event.streamPath, [...(byStream.get(event.streamPath) ?? []), event]);
    const handled: number[] = [];
    const duplicates: number[] = [];
    const effects: Promise<EffectOutcome>[] = [];
    try {
      for (const [path, list] of byStream) {
        list.sort((a, b) => a.offset - b.offset);
        const stream = this.#streamFor(`${client.project ?? ""}\u0000${path}`);
        const work = stream.lock.then(() => this.#apply(client, path, stream, list, handled, duplicates, effects));
        stream.lock = work.catch(() => undefined);
        await work;
      }
    } catch (error) {
      this.#logger.warn("could not handle a delivery; the server will retry", { error: String(error) });
      return problem(new TributaryError("unavailable", `Could not read the stream to catch up: ${(error as Error).message}`));
    }
    if (this.#acknowledge === "on-receipt") return Response.json({ handled, duplicates }, { status: 202 });
    await Promise.all(effects);
    return Response.json({ handled, duplicates });
  }

  #streamFor(key: string): PushStream<State> {
    let stream = this.#streams.get(key);
    if (!stream) {
      const queue = createEffectQueue({ concurrency: this.#processor.concurrency ?? "sequential", stopSignal: this.#stop.signal });
      stream = { state: structuredClone(this.#processor.initialState), offset: 0, loaded: false, queue, lock: Promise.resolve() };
      this.#streams.set(key, stream);
    }
    return stream;
  }

  async #apply(
    client: EventsClient,
    path: string,
    stream: PushStream<State>,
    events: StoredEvent[],
    handled: number[],
    duplicates: number[],
    effects: Promise<EffectOutcome>[],
  ) {
    for (const event of events) {
      if (event.offset <= stream.offset) {
        duplicates.push(event.offset);
        continue;
      }
      if (event.offset > stream.offset + 1) await this.#fillGap(client, path, stream, event.offset);
      if (!stream.loaded) {
        stream.loaded = true;
        stream.queue.push(this.#caughtUpTask(client, path, stream.state));
      }
      stream.state = this.#reduce(stream.state, event);
      stream.offset = event.offset;
      handled.push(event.offset);
      const running = stream.queue.runningEvents();
      if (running.length > 0 && this.#interrupts(event, stream.state, running)) stream.queue.interrupt(new InterruptedError(event));
      if (this.#processor.afterAppend) effects.push(this.#queueEffect(client, path, stream, event, stream.state));
    }
  }

  async #fillGap(client: EventsClient, path: string, stream: PushStream<State>, before: number): Promise<void> {
    let state = stream.state;
    let offset = stream.offset;
    for await (const missing of client.stream({ path, afterOffset: stream.offset, beforeOffset: before, signal: this.#stop.signal })) {
      state = this.#reduce(state, missing);
      offset = missing.offset;
    }
    // Committed only once the whole gap was read: a failed read leaves the stream as it was.
    stream.state = state;
    stream.offset = offset;
  }

  #reduce(state: State, event: StoredEvent): State {
    return guardedReduce(this.#processor.reduce, state, event, (error) =>
      this.#logger.error("reduce threw; the event leaves the state unchanged (reduce must be total)", {
        path: event.streamPath,
        offset: event.offset,
        error: String(error),
      }),
    );
  }

  #interrupts(event: StoredEvent, state: State, running: StoredEvent[]): boolean {
    if (this.#processor.interrupts) return this.#processor.interrupts({ event, state, running });
    return this.#processor.concurrency === "latest-wins" && !appendedBy(event, this.#processor.slug);
  }

  #queueEffect(client: EventsClient, path: string, stream: PushStream<State>, event: StoredEvent, state: State): Promise<EffectOutcome> {
    const processor = this.#processor;
    return new Promise((resolve) => {
      stream.queue.push({
        event,
        skippable: true,
        run: async (signal) => {
          const append = createProcessorAppend({ client, slug: processor.slug, base: path, cause: event, onAppend: this.#onAppend });
          try {
            await processor.afterAppend!({ event, state, append, logger: this.#logger.child({ path, offset: event.offset }), signal });
          } catch (error) {
            if (!signal.aborted) await reportFailure({ client, processor: processor.slug, path, event, error, logger: this.#logger });
          }
        },
        settle: resolve,
      });
    });
  }

  #caughtUpTask(client: EventsClient, path: string, state: State) {
    const processor = this.#processor;
    return {
      event: undefined,
      skippable: false,
      run: async () => {
        const append = createProcessorAppend({ client, slug: processor.slug, base: path, onAppend: this.#onAppend });
        try {
          await processor.onCaughtUp?.({ state, append, logger: this.#logger.child({ path }), path });
        } catch (error) {
          await reportFailure({ client, processor: processor.slug, path, event: undefined, error, logger: this.#logger });
        }
      },
      settle: () => {},
    };
  }
}

function problem(error: TributaryError): Response {
  return Response.json(error.toBody(), { status: error.status, headers: { "content-type": "application/problem+json" } });
}

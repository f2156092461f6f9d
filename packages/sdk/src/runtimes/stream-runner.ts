import { guardedReduce, type Processor, type StoredEvent } from "@tributary/protocol";
import type { EventsClient } from "../client/events-client.ts";
import { createCheckpoint, type Checkpoint } from "./checkpoint.ts";
import { createEffectQueue, type EffectTask } from "./effect-queue.ts";
import { appendedBy, createProcessorAppend } from "./processor-append.ts";
import { reportFailure } from "./report-failure.ts";
import { retrying } from "./retrying.ts";
import type { RuntimeLogger } from "./runtime-logger.ts";

/** A durable consumer: progress is stored on the server under this name. */
export interface ConsumerOptions {
  name: string;
  /** True when this consumer never ran on this tree before (see `startFrom`). */
  firstRun: boolean;
  /** On a first run, `now` skips the side effects of history (the default), `beginning` runs them all. */
  startFrom: "now" | "beginning";
}

export interface StreamRunnerOptions<State> {
  client: EventsClient;
  path: string;
  processor: Processor<State>;
  /** The stream's last offset when the runtime started: events up to it are history. 0 for a stream created later. */
  head: number;
  consumer?: ConsumerOptions | undefined;
  logger: RuntimeLogger;
  /** The runtime's stop signal. */
  signal: AbortSignal;
  onAppend?: ((event: StoredEvent) => void) | undefined;
}

/**
 * The `signal.reason` of an `afterAppend` that a newer event interrupted; `by` is that event.
 *
 * @example
 * if (signal.reason instanceof InterruptedError) await append({ event: { type: "cancelled", payload: { by: signal.reason.by.offset } } });
 */
export class InterruptedError extends Error {
  readonly by: StoredEvent;
  constructor(by: StoredEvent) {
    super(`Interrupted by ${by.type} at ${by.streamPath}#${by.offset}`);
    this.name = "InterruptedError";
    this.by = by;
  }
}

/**
 * Runs a processor on one stream: reads it live from the start, reduces every event, and runs side
 * effects under the processor's concurrency policy. The pull and pattern runtimes are made of these.
 *
 * Delivery guarantees (also in docs/sdk.md):
 * 1. Order: `reduce` sees every event of the stream exactly once, in offset order, from offset 1. A lost
 *    connection is resumed after the last offset seen (`Last-Event-ID`): nothing skipped, nothing repeated.
 * 2. Catch-up: the events up to the stream's head when the runtime started are history, reduced without
 *    side effects. Then `onCaughtUp` runs once with the state at that head. Every later event is reduced,
 *    then `afterAppend` runs with the state just after it. A stream created later has no history.
 * 3. Without a consumer name, `afterAppend` runs at most once per event per runtime, and never for
 *    events appended while no runtime ran: after a restart they are history (the talk's semantics).
 * 4. With a consumer name, the offset up to which every side effect finished is stored on the server
 *    (consumer cursors). After a restart `afterAppend` runs, before `onCaughtUp` and with the state as of
 *    each event, for every event after that offset: those appended while it was down, and those whose
 *    `afterAppend` a stop or crash cut short. So it is at-least-once; the appends of a redone call carry
 *    idempotency keys (`<consumer>:<path>:<offset>:<n>`), so the server stores them once. A consumer's
 *    first run does not act on history unless `startFrom: "beginning"`.
 * 5. Side effects of one stream follow the processor's `concurrency`: `sequential` (default, one at a time
 *    in offset order), `concurrent`, or `latest-wins`. Streams never wait for each other.
 * 6. Interruption: when `interrupts` says so for a new event (default: never; under `latest-wins`: any
 *    event this processor did not append), the running `afterAppend` calls' `signal` aborts with an
 *    `InterruptedError` and the runtime moves on without waiting for them. An interrupted or skipped call
 *    counts as finished for the consumer cursor.
 * 7. Failures are events: an `afterAppend` / `onCaughtUp` that throws (other than by its aborted signal)
 *    is logged and appended as `stream/error-occurred {message, processor, offset}`, and the runtime goes on.
 *    A failure on its own error event is only logged (no loop). A `reduce` that throws leaves the state
 *    unchanged and is logged.
 * 8. Stop aborts running side effects, starts no waiting one, waits for the running ones to return, runs
 *    `onStop` with the state then (its appends are not aborted; a failure is logged) and stores the
 *    consumer's progress; a call the stop cut short is redone by the next run (rule 4). A stream that
 *    stops alone (it was deleted) gets no `onStop`: there is nothing left to say on it.
 * 9. Nothing prevents two runtimes with the same consumer name from running at once; both would act.
 *
 * @example
 * const runner = createStreamRunner({ client, path: "/jonas", processor, head: await client.head("/jonas"), logger, signal });
 * void runner.run();
 * await runner.caughtUp;
 */
export function createStreamRunner<State>(options: StreamRunnerOptions<State>) {
  const { client, path, processor, logger } = options;
  const own = new AbortController();
  const signal = AbortSignal.any([options.signal, own.signal]);
  const queue = createEffectQueue({ concurrency: processor.concurrency ?? "sequential", stopSignal: signal });
  const consumer = options.consumer?.name;
  let state: State = structuredClone(processor.initialState);
  let offset = 0;
  let checkpoint: Checkpoint | undefined;
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
  // Read per event instead of signal.aborted, which walks the sources of an AbortSignal.any each time.
  let stopped = signal.aborted;
  signal.addEventListener(
    "abort",
    () => {
      stopped = true;
      markCaughtUp();
    },
    { once: true },
  );

  const appendFor = (cause: StoredEvent | undefined) =>
    createProcessorAppend({ client, slug: processor.slug, base: path, cause, consumer, onAppend: options.onAppend });

  function reduce(event: StoredEvent): void {
    state = guardedReduce(processor.reduce, state, event, (error) =>
      logger.error("reduce threw; the event leaves the state unchanged (reduce must be total)", { path, offset: event.offset, error: String(error) }),
    );
  }

  function shouldInterrupt(event: StoredEvent, current: State): boolean {
    const running = queue.runningEvents();
    if (running.length === 0) return false;
    try {
      if (processor.interrupts) return processor.interrupts({ event, state: current, running });
    } catch (error) {
      logger.error("interrupts threw; not interrupting", { path, offset: event.offset, error: String(error) });
      return false;
    }
    return processor.concurrency === "latest-wins" && !appendedBy(event, processor.slug);
  }

  function effectFor(event: StoredEvent, current: State): EffectTask {
    let cutShortByStop = false;
    return {
      event,
      skippable: true,
      async run(effectSignal) {
        try {
          await processor.afterAppend!({
            event,
            state: current,
            append: appendFor(event),
            logger: logger.child({ path, offset: event.offset }),
            signal: effectSignal,
          });
        } catch (error) {
          if (!effectSignal.aborted) await reportFailure({ client, processor: processor.slug, path, event, error, logger, consumer });
        }
        cutShortByStop = options.signal.aborted || own.signal.aborted;
      },
      settle(outcome) {
        // An effect the runtime's stop cut short is not finished: a durable consumer redoes it next time.
        if (outcome === "done" && cutShortByStop) return;
        checkpoint?.finished(event.offset);
      },
    };
  }

  function caughtUpTask(): EffectTask {
    const snapshot = state;
    return {
      event: undefined,
      skippable: false,
      async run() {
        try {
          await processor.onCaughtUp?.({ state: snapshot, append: appendFor(undefined), logger: logger.child({ path }), path });
        } catch (error) {
          await reportFailure({ client, processor: processor.slug, path, event: undefined, error, logger, consumer });
        }
      },
      settle: () => markCaughtUp(),
    };
  }

  async function stopHook(): Promise<void> {
    if (!processor.onStop) return;
    try {
      await processor.onStop({ state, append: appendFor(undefined), logger: logger.child({ path }), path });
    } catch (error) {
      logger.error("onStop failed", { path, error: error instanceof Error ? error.message : String(error) });
    }
  }

  async function firstEffectOffset(): Promise<number> {
    if (!options.consumer) return options.head + 1;
    const { name, firstRun, startFrom } = options.consumer;
    let from = await retrying(() => client.getCursor(path, name, signal), { signal, logger, what: `reading the cursor of ${path}` });
    // A cursor past the head belongs to an earlier stream at this path (deleted and recreated): start over.
    if (from > options.head) {
      logger.warn("the stored cursor is past the stream's end (was it deleted and recreated?); starting over", { path, consumer: name, cursor: from });
      from = 0;
    }
    checkpoint = createCheckpoint({ client, path, consumer: name, from, logger });
    if (from === 0 && firstRun && startFrom === "now") checkpoint.jumpTo(options.head);
    return checkpoint.position() + 1;
  }

  return {
    path,
    caughtUp,
    state: () => state,
    offset: () => offset,
    /** No side effect waiting or running (abandoned ones included). */
    idle: () => queue.idle(),

    /** Reads and processes until stopped; rejects only on an error retrying cannot fix. */
    async run(): Promise<void> {
      try {
        const effectsFrom = await firstEffectOffset();
        let caughtUpQueued = false;
        if (options.head === 0) {
          queue.push(caughtUpTask());
          caughtUpQueued = true;
        }
        // In batches (each piece of the response): a catch-up then costs no promise turn per event.
        const batches = client.streamBatches({
          path,
          live: true,
          signal,
          retryFirstConnection: true,
          onReconnect: ({ attempt, error }) => logger.warn("stream connection lost; reconnecting", { path, attempt, error: String(error) }),
        });
        for await (const batch of batches) {
          for (const event of batch) {
            // A stop takes effect at the next event, as it did when events came one per iteration.
            if (stopped) return;
            reduce(event);
            offset = event.offset;
            if (event.offset >= effectsFrom) {
              if (shouldInterrupt(event, state)) queue.interrupt(new InterruptedError(event));
              if (processor.afterAppend) queue.push(effectFor(event, state));
              else checkpoint?.finished(event.offset);
            }
            if (!caughtUpQueued && event.offset >= options.head) {
              queue.push(caughtUpTask());
              caughtUpQueued = true;
            }
          }
        }
      } catch (error) {
        if (!signal.aborted) throw error;
      } finally {
        markCaughtUp();
        await queue.settled();
        if (!own.signal.aborted) await stopHook();
        await checkpoint?.flush();
      }
    },

    /** Stops this stream only (it was deleted). */
    stop(): void {
      own.abort(new Error(`${path} stopped`));
    },
  };
}

export type StreamRunner<State> = ReturnType<typeof createStreamRunner<State>>;

import type { SideEffectConcurrency, StoredEvent } from "@tributary/protocol";

/** How a side effect ended, as far as the queue is concerned. */
export type EffectOutcome = "done" | "interrupted" | "skipped";

/** One side effect of one stream: an `afterAppend` call, or the stream's `onCaughtUp`. */
export interface EffectTask {
  /** The event it handles; `undefined` for `onCaughtUp`. */
  event: StoredEvent | undefined;
  /** `latest-wins` may skip it while it waits; never true for `onCaughtUp`. */
  skippable: boolean;
  /** Runs the effect. Must not reject: the caller turns failures into events. */
  run(signal: AbortSignal): Promise<void>;
  /** Called exactly once, when the queue is finished with the task. */
  settle(outcome: EffectOutcome): void;
}

interface Running {
  task: EffectTask;
  controller: AbortController;
}

/**
 * Runs one stream's side effects under a concurrency policy, and lets a newer event interrupt them.
 *
 * Rules:
 * 1. `sequential`: one task at a time, in the order pushed. `concurrent`: every task starts when pushed.
 *    `latest-wins`: one at a time; pushing a skippable task skips the skippable tasks still waiting.
 * 2. `interrupt()` aborts the signal of every running task and abandons it: it counts as settled
 *    (`interrupted`) at once and the next task starts without waiting for it to return, so an effect that
 *    ignores its signal cannot block the stream.
 * 3. `stop` (the runtime's signal) aborts every running task and starts no waiting one; `settled()`
 *    waits for all started tasks, abandoned ones included.
 *
 * @example
 * const queue = createEffectQueue({ concurrency: "sequential", stopSignal });
 * queue.push({ event, skippable: true, run: (signal) => work(signal), settle: () => {} });
 */
export function createEffectQueue(options: { concurrency: SideEffectConcurrency; stopSignal: AbortSignal }) {
  const waiting: EffectTask[] = [];
  const running = new Set<Running>();
  const inFlight = new Set<Promise<void>>();

  function start(task: EffectTask): void {
    const controller = new AbortController();
    const entry: Running = { task, controller };
    const onStop = () => controller.abort(options.stopSignal.reason);
    if (options.stopSignal.aborted) onStop();
    else options.stopSignal.addEventListener("abort", onStop, { once: true });
    running.add(entry);
    const promise = (async () => {
      try {
        await task.run(controller.signal);
      } catch {
        // run() reports its own failures; a rejection here must not take the queue down.
      }
    })();
    inFlight.add(promise);
    void promise.then(() => {
      inFlight.delete(promise);
      options.stopSignal.removeEventListener("abort", onStop);
      if (running.delete(entry)) {
        task.settle("done");
        pump();
      }
    });
  }

  function pump(): void {
    // After stop, waiting tasks never start (and never settle): a durable consumer redoes them next time.
    if (options.stopSignal.aborted) return;
    while (waiting.length > 0 && (options.concurrency === "concurrent" || running.size === 0)) start(waiting.shift()!);
  }

  return {
    push(task: EffectTask): void {
      if (options.concurrency === "latest-wins" && task.skippable) {
        for (let index = waiting.length - 1; index >= 0; index--) {
          const queued = waiting[index]!;
          if (!queued.skippable) continue;
          waiting.splice(index, 1);
          queued.settle("skipped");
        }
      }
      waiting.push(task);
      pump();
    },

    /** The events whose effects are running now (not abandoned ones). */
    runningEvents(): StoredEvent[] {
      return [...running].flatMap((entry) => (entry.task.event ? [entry.task.event] : []));
    },

    /** Aborts and abandons every running task. */
    interrupt(reason: unknown): void {
      for (const entry of [...running]) {
        running.delete(entry);
        entry.controller.abort(reason);
        entry.task.settle("interrupted");
      }
      pump();
    },

    /** Nothing waiting and nothing executing, abandoned tasks included. */
    idle(): boolean {
      return waiting.length === 0 && inFlight.size === 0;
    },

    /** Resolves when every task started so far has returned. */
    async settled(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

export type EffectQueue = ReturnType<typeof createEffectQueue>;

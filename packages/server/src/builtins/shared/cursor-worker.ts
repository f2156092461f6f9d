import { TributaryError, type StoredEvent, type StreamPath } from "@tributary/protocol";
import type { Logger } from "../../logger.ts";
import type { CursorStore } from "../../store/cursor-store.ts";
import type { EventReader } from "../../store/event-log.ts";

/**
 * What a handler says about one event: `done` (handled; the cursor moves past it and is saved at once),
 * `skipped` (not for this worker; the cursor moves past it) or `wait` (not now: try the same event again
 * after the next `wake`).
 */
export type CursorOutcome = "done" | "skipped" | "wait";

export interface CursorWorkerOptions {
  events: EventReader;
  cursors: CursorStore;
  project: string;
  path: StreamPath;
  /** The consumer name the cursor is saved under (`GET /api/cursors/<path>?consumer=…` shows it). */
  consumer: string;
  /** The worker never handles events at or before this offset (the event that configured it). */
  startAfter: number;
  handle(event: StoredEvent, signal: AbortSignal): Promise<CursorOutcome>;
  logger: Logger;
}

/**
 * Reads one stream from a persisted cursor and hands each event to `handle`, one at a time, in offset
 * order; then sleeps until `wake` is called (by the built-in's `afterAppend`, on every new event).
 *
 * 1. Events are handled strictly in offset order; a handler never sees event n+1 before it is done with n.
 * 2. The cursor is saved after each `done` event and after each page of skipped ones, so after a crash or
 *    a restart the worker starts again at the first event it had not finished: at least once.
 * 3. Nothing is kept in memory that the stream does not hold: a worker can stop at any time.
 *
 * @example
 * const worker = createCursorWorker({ events: store, cursors: store, project, path, consumer: "subscription:hook", startAfter: 3, handle, logger });
 * worker.wake(); // after a new event
 * await worker.stop();
 */
export function createCursorWorker(options: CursorWorkerOptions) {
  const { events, cursors, project, path, consumer } = options;
  const controller = new AbortController();
  let stopped = false;
  let woken = false;
  let release: (() => void) | undefined;
  let position = options.startAfter;

  const nextWake = () =>
    woken || stopped
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          release = resolve;
        });

  // While the database is away, the save is retried in place: re-running from the stored cursor would
  // redo (say, deliver again) every event handled since, though each one was done.
  async function save(offset: number) {
    position = offset;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        await cursors.setCursor(project, path, consumer, offset);
        return;
      } catch (error) {
        if (stopped || !(error instanceof TributaryError && error.code === "storage_unavailable")) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  async function run() {
    let cursor = Math.max((await cursors.getCursor(project, path, consumer)) ?? 0, options.startAfter);
    position = cursor;
    while (!stopped) {
      woken = false;
      const records = await events.read(project, path, { afterOffset: cursor, limit: 100 });
      if (records.length === 0) {
        await nextWake();
        continue;
      }
      let waiting = false;
      for (const record of records) {
        if (stopped) return;
        const outcome = await options.handle(JSON.parse(record.json) as StoredEvent, controller.signal);
        if (stopped) return;
        if (outcome === "wait") {
          waiting = true;
          break;
        }
        cursor = record.offset;
        if (outcome === "done") await save(cursor);
      }
      if (cursor !== position) await save(cursor);
      if (waiting) await nextWake();
    }
  }

  const running = (async () => {
    while (!stopped) {
      try {
        await run();
      } catch (error) {
        if (stopped) return;
        options.logger.error("a stream worker failed; retrying in a second", { project, path, consumer, error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  })();

  return {
    /** There may be new events (or the reason to wait is gone): look again. */
    wake(): void {
      woken = true;
      const resolve = release;
      release = undefined;
      resolve?.();
    },
    /** The offset of the last event this worker finished with. */
    position: () => position,
    /** Stops the worker: aborts the handler's signal and resolves when the loop has ended. */
    async stop(): Promise<void> {
      stopped = true;
      controller.abort();
      const resolve = release;
      release = undefined;
      resolve?.();
      await running;
    },
  };
}

export type CursorWorker = ReturnType<typeof createCursorWorker>;

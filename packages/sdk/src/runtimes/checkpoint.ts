import type { ProcessorLogger } from "@tributary/protocol";
import type { EventsClient } from "../client/events-client.ts";

/**
 * A durable consumer's progress on one stream, stored on the server (`PUT /api/cursors/<path>?consumer=`).
 *
 * Rules:
 * 1. The stored offset only moves to `n` once every event up to `n` is finished with (its effect returned,
 *    failed and was reported, was interrupted or was skipped by `latest-wins`), whatever order effects
 *    finish in under `concurrent`. So on a restart nothing unfinished is lost: at-least-once.
 * 2. Writes are coalesced: at most one request in flight per stream, then the newest offset. A failed
 *    write is logged and retried with the next progress or at `flush()`.
 *
 * @example
 * const checkpoint = createCheckpoint({ client, path: "/a", consumer: "mailer", from: 0, logger });
 * checkpoint.finished(1); // stored as 1 shortly after
 */
export function createCheckpoint(options: { client: EventsClient; path: string; consumer: string; from: number; logger: ProcessorLogger }) {
  const { client, path, consumer, logger } = options;
  let watermark = options.from;
  let stored = options.from;
  const finished = new Set<number>();
  let writing: Promise<void> | undefined;

  function write(): Promise<void> {
    if (writing !== undefined) return writing;
    if (watermark <= stored) return Promise.resolve();
    writing = (async () => {
      while (watermark > stored) {
        const offset = watermark;
        try {
          await client.putCursor(path, consumer, offset);
          stored = offset;
        } catch (error) {
          logger.warn("could not store the consumer cursor; will retry", { path, consumer, offset, error: String(error) });
          break;
        }
      }
    })().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  return {
    /** Marks one event finished. */
    finished(offset: number): void {
      if (offset <= watermark) return;
      finished.add(offset);
      const before = watermark;
      while (finished.delete(watermark + 1)) watermark += 1;
      if (watermark > before) void write();
    },
    /** Moves the cursor to `offset` outright (a first run that skips history). */
    jumpTo(offset: number): void {
      if (offset <= watermark) return;
      watermark = offset;
      for (const value of finished) if (value <= watermark) finished.delete(value);
      void write();
    },
    position(): number {
      return watermark;
    },
    /** Stores the newest progress; resolves when stored (or the attempt failed and was logged). */
    async flush(): Promise<void> {
      await writing;
      await write();
    },
  };
}

export type Checkpoint = ReturnType<typeof createCheckpoint>;

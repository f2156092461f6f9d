/**
 * Writes items in order, in batches, without making the producer wait: `push` queues an item, one write
 * runs at a time and takes everything queued so far (up to `maxBatch`; items pushed together start one write). So a fast producer (a model
 * streaming chunks) is held back by nothing, and a slow consumer (appends over HTTP) gets fewer, bigger
 * writes. The first failed write fails every later `push` and `drain`.
 *
 * @example
 * const writer = createBatchWriter((events) => client.appendBatch({ path, events }));
 * for await (const chunk of stream) writer.push(toEvent(chunk));
 * await writer.drain(); // everything stored, or the first error
 */
export function createBatchWriter<T>(write: (items: T[]) => Promise<void>, maxBatch = 200) {
  let queue: T[] = [];
  let running: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  async function pump(): Promise<void> {
    try {
      while (queue.length > 0 && !failure) {
        const items = queue.slice(0, maxBatch);
        queue = queue.slice(items.length);
        await write(items);
      }
    } catch (error) {
      failure = { error };
    } finally {
      running = undefined;
    }
  }

  return {
    push(item: T): void {
      if (failure) throw failure.error;
      queue.push(item);
      // Starts on the next microtask, so items pushed together (in one synchronous run) go in one write.
      running ??= Promise.resolve().then(pump);
    },
    /** Resolves once everything pushed is written; rejects with the first write error. */
    async drain(): Promise<void> {
      while (running !== undefined) await running;
      if (failure) throw failure.error;
    },
  };
}

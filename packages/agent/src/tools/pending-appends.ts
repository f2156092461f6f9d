import type { EventInput, ProcessorAppend } from "@tributary/protocol";

/**
 * Keeps results that could not be stored (the stream was paused, the server unreachable) and tries them
 * again with the next event on their stream (a `stream/resumed`, say). Each result carries an idempotency
 * key, so trying twice stores it once.
 *
 * @example
 * const pending = createPendingAppends();
 * await pending.flush(path, append);          // first thing in afterAppend
 * await pending.send(path, event, append);    // instead of append
 */
export function createPendingAppends() {
  const pending = new Map<string, { path: string; event: EventInput }>();
  return {
    async send(path: string, event: EventInput, append: ProcessorAppend): Promise<void> {
      const key = `${path}#${event.idempotencyKey ?? JSON.stringify(event)}`;
      try {
        await append({ path, event });
        pending.delete(key);
      } catch (error) {
        pending.set(key, { path, event });
        throw error;
      }
    },
    /** Tries again what is pending for `stream`; what fails again stays pending. */
    async flush(stream: string, append: ProcessorAppend): Promise<void> {
      for (const item of [...pending.values()]) {
        if (item.path === stream) await this.send(item.path, item.event, append).catch(() => undefined);
      }
    },
  };
}

export type PendingAppends = ReturnType<typeof createPendingAppends>;

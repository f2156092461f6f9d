/**
 * Runs work one at a time per key, in call order; work under different keys runs concurrently. A failure
 * is returned to its caller and does not stop the work queued after it. Idle keys hold no memory.
 *
 * @example
 * const serial = createSerialByKey();
 * await Promise.all([serial("/a", first), serial("/a", second), serial("/b", other)]); // second starts after first
 */
export function createSerialByKey() {
  const tails = new Map<string, Promise<unknown>>();
  return function serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
}

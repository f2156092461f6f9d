/**
 * Rejects with `message` if `promise` has not settled within `ms`, so a benchmark that loses an event
 * fails with a reason instead of hanging.
 *
 * @example
 * await withDeadline(readerDone, 10_000, "the reader did not receive every event");
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

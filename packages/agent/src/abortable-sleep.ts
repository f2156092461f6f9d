/** Resolves after `ms`, or as soon as `signal` aborts (then `false`). `unref`: the wait alone does not keep the process alive. */
export function abortableSleep(ms: number, signal: AbortSignal, options: { unref?: boolean } = {}): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    if (options.unref) timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

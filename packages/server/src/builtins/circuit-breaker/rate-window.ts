/**
 * A sliding window of event times for one stream: remembers at most `maxEvents + 1` times, so its memory
 * is bounded by the limit it checks, and answers "more than `maxEvents` within `windowMs`?" exactly.
 *
 * @example
 * const window = createRateWindow();
 * window.record(Date.now(), { maxEvents: 100, windowMs: 1000 }); // false until the 101st event within a second
 */
export function createRateWindow() {
  let times: number[] = [];
  let head = 0;

  return {
    /** Records one event at `at`; true when the window now holds more than `maxEvents` events. */
    record(at: number, limit: { maxEvents: number; windowMs: number }): boolean {
      times.push(at);
      while (head < times.length && (times[head]! <= at - limit.windowMs || times.length - head > limit.maxEvents + 1)) head += 1;
      if (head > 1024 && head * 2 > times.length) {
        times = times.slice(head);
        head = 0;
      }
      return times.length - head > limit.maxEvents;
    },
    /** Events currently inside the window ending at `at`. */
    count(at: number, windowMs: number): number {
      let count = 0;
      for (let index = head; index < times.length; index += 1) if (times[index]! > at - windowMs) count += 1;
      return count;
    },
    clear(): void {
      times = [];
      head = 0;
    },
  };
}

export type RateWindow = ReturnType<typeof createRateWindow>;

/** At most `requests` per `perSeconds`, per key, with bursts up to `requests`. */
export interface RateLimit {
  requests: number;
  perSeconds: number;
}

/**
 * A token bucket per key (a token's id): each request takes one; the bucket refills at
 * `requests / perSeconds` per second up to `requests`. `take` answers how many seconds to wait when empty.
 *
 * @example
 * const limiter = createRateLimiter({ requests: 100, perSeconds: 1 });
 * limiter.take("tok1"); // undefined: allowed
 */
export function createRateLimiter(limit: RateLimit, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = limit.requests / (limit.perSeconds * 1000);
  return {
    /** Takes one request from `key`'s bucket; undefined when allowed, else the seconds until one is free. */
    take(key: string): number | undefined {
      const at = now();
      const bucket = buckets.get(key) ?? { tokens: limit.requests, at };
      bucket.tokens = Math.min(limit.requests, bucket.tokens + (at - bucket.at) * ratePerMs);
      bucket.at = at;
      if (buckets.size > 100_000) buckets.clear();
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

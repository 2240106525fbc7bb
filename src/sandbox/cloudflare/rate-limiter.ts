/**
 * Cloudflare's API budget: 1200 requests per 5 minutes per token (docs `fundamentals/api/
 * reference/limits.mdx`). Exceeding it "returns 429 for all calls for the next five minutes", so
 * the call that goes over starts a block as long as the window. Every call counts — refused ones
 * too — in a sliding log, so a client that keeps hammering stays over the limit and is blocked
 * again when the block ends.
 */

export interface RateLimit {
  readonly requests: number;
  readonly windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 1200, windowMs: 300_000 };

export interface RateDecision {
  readonly allowed: boolean;
  /** Calls left in the window (header `Ratelimit: "default";r=…`). */
  readonly remaining: number;
  /** Seconds until the window frees a call (`t=`), or until the block ends. */
  readonly resetSeconds: number;
  /** Whole seconds, rounded up, for `Retry-After` when refused. */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  /** Times of the calls in the window, oldest first; `head` skips expired entries. */
  times: number[];
  head: number;
  blockedUntil: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number,
  ) {
    if (!(limit.requests >= 1) || !(limit.windowMs > 0)) throw new RangeError('rate limit needs requests ≥ 1 and windowMs > 0');
  }

  /** Count one call of `key` and say whether it may proceed. */
  take(key: string): RateDecision {
    const t = this.now();
    const bucket = this.bucket(key);
    while (bucket.head < bucket.times.length && (bucket.times[bucket.head] ?? 0) <= t - this.limit.windowMs) bucket.head++;
    if (bucket.head > 1024 && bucket.head * 2 > bucket.times.length) {
      bucket.times = bucket.times.slice(bucket.head);
      bucket.head = 0;
    }
    bucket.times.push(t);
    const count = bucket.times.length - bucket.head;
    if (bucket.blockedUntil <= t && count > this.limit.requests) bucket.blockedUntil = t + this.limit.windowMs;
    const oldest = bucket.times[bucket.head] ?? t;
    const untilFree = Math.max(0, oldest + this.limit.windowMs - t);
    if (bucket.blockedUntil > t) {
      const wait = bucket.blockedUntil - t;
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      return { allowed: false, remaining: 0, resetSeconds: seconds, retryAfterSeconds: seconds };
    }
    return {
      allowed: true,
      remaining: Math.max(0, this.limit.requests - count),
      resetSeconds: Math.ceil(untilFree / 1000),
      retryAfterSeconds: 0,
    };
  }

  private bucket(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { times: [], head: 0, blockedUntil: 0 };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

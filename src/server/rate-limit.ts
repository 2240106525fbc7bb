/**
 * Per-client rate limiting (by remote address), before authentication so that guessing
 * tokens costs the same as any other request. @fastify/rate-limit runs the HTTP side (its
 * onRequest hook, Retry-After and the X-RateLimit headers); this file shapes its answer like
 * every other error of the API and holds the counters.
 *
 * WebSocket upgrades never reach Fastify's hooks (feed.ts takes them off the server's
 * `upgrade` event), so the plugin's limiter cannot see them. Rather than a second counter, or
 * calling `createRateLimit()` with an imitation of a FastifyRequest, the plugin is given our
 * own store (its documented `store` option), and the feed counts upgrades in that same store:
 * one budget per address for HTTP requests and upgrades together, so a client cannot double
 * its token guesses by alternating between the two.
 */
import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

export interface RateLimitOptions {
  /** Requests one client address may make per window. */
  readonly max: number;
  readonly windowMs: number;
}

/** Attempts in the current window, and the milliseconds until that window ends. */
export interface WindowCount {
  current: number;
  ttl: number;
}

/**
 * Addresses we keep counters for at most. Each holds a few dozen bytes; past this, the oldest
 * windows are dropped first (whoever sprays that many addresses already has that many budgets).
 */
const MAX_ADDRESSES = 10_000;

/**
 * Fixed windows per address, as @fastify/rate-limit's own LocalStore counts: a window starts at
 * an address's first attempt and the count resets when it ends. Entries sit in the Map in
 * order of window start (a reset re-inserts), so expired ones are always at the front.
 */
export class AddressWindows {
  private readonly windows = new Map<string, { count: number; start: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly capacity: number = MAX_ADDRESSES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Addresses with a counter held. */
  get size(): number {
    return this.windows.size;
  }

  hit(address: string): WindowCount {
    const now = this.now();
    const entry = this.windows.get(address);
    if (entry !== undefined && now - entry.start < this.windowMs) {
      entry.count += 1;
      return { current: entry.count, ttl: entry.start + this.windowMs - now };
    }
    this.windows.delete(address);
    this.evict(now);
    this.windows.set(address, { count: 1, start: now });
    return { current: 1, ttl: this.windowMs };
  }

  private evict(now: number): void {
    for (const [address, entry] of this.windows) {
      if (now - entry.start < this.windowMs && this.windows.size < this.capacity) return;
      this.windows.delete(address);
    }
  }
}

/** A refused attempt: the error to answer with and the seconds for Retry-After. */
export interface RateLimited {
  readonly error: AppError;
  readonly retryAfterSeconds: number;
}

/** Counts one attempt from a client address; answers the refusal when it is over the limit. */
export type AddressLimit = (address: string | undefined) => RateLimited | undefined;

/** "60 s", "1.5 s", "250 ms": the configured window, as the message states it. */
function describeWindow(windowMs: number): string {
  return windowMs >= 1000 ? `${windowMs / 1000} s` : `${windowMs} ms`;
}

function limitedError(max: number, windowMs: number, ttlMs: number): RateLimited {
  const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
  const error = new AppError('RATE_LIMITED', `too many requests from this client: at most ${max} per ${describeWindow(windowMs)}; retry in ${retryAfterSeconds} s`, {
    retryable: true,
    details: { retry_after_seconds: retryAfterSeconds },
  });
  return { error, retryAfterSeconds };
}

/**
 * Register the limiter, then run `afterwards` (the authentication hook) once it is loaded, so
 * the limiter's onRequest hook runs first. Answers the same limit for upgrade requests.
 */
export function installRateLimit(app: FastifyInstance, options: RateLimitOptions, afterwards: () => void): AddressLimit {
  const windows = new AddressWindows(options.windowMs);
  // The plugin constructs its store itself and asks route-level limits for a child; every one
  // of them is a view of the same counters (only one limit is configured anyway).
  class SharedStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: WindowCount) => void): void {
      callback(null, windows.hit(key));
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  }
  void app.register(rateLimit, {
    global: false,
    max: options.max,
    timeWindow: options.windowMs,
    store: SharedStore,
    errorResponseBuilder: (_request, context) => limitedError(options.max, options.windowMs, context.ttl).error,
  });
  app.after(() => {
    // No options here: a limiter given its own options would get a store child of its own.
    app.addHook('onRequest', app.rateLimit());
    afterwards();
  });
  // Fastify's request.ip is the socket's remoteAddress too (no trustProxy), so both sides key alike.
  return (address) => {
    const { current, ttl } = windows.hit(address ?? 'unknown');
    return current > options.max ? limitedError(options.max, options.windowMs, ttl) : undefined;
  };
}

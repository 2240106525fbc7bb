/**
 * Per-client rate limiting (by remote address), before authentication so that guessing
 * tokens costs the same as any other request. @fastify/rate-limit keeps the counters; this
 * file only shapes its answer like every other error of the API.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

export interface RateLimitOptions {
  /** Requests one client address may make per window. */
  readonly max: number;
  readonly windowMs: number;
}


/**
 * Register the limiter, then run `afterwards` (the authentication hook) once it is loaded, so
 * the limiter's onRequest hook runs first.
 */
export function installRateLimit(app: FastifyInstance, options: RateLimitOptions, afterwards: () => void): void {
  void app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `too many requests from this client: at most ${context.max} per ${context.after}; retry in ${Math.ceil(context.ttl / 1000)} s`, {
        retryable: true,
        details: { retry_after_seconds: Math.ceil(context.ttl / 1000) },
      }),
  });
  app.after(() => {
    app.addHook('onRequest', app.rateLimit({ max: options.max, timeWindow: options.windowMs }));
    afterwards();
  });
}

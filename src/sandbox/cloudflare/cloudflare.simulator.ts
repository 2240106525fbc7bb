/**
 * The Cloudflare API v4 simulator: token auth, the rate limit, zones and DNS records under
 * `/client/v4`, answered in Cloudflare's envelope with the codes real responses carry. Point the
 * official SDK at it with `baseURL: 'http://127.0.0.1:<port>/client/v4'` and `maxRetries: 0`.
 *
 * Operations (for faults and counters):
 *   cloudflare.tokens.verify        GET    /user/tokens/verify
 *   cloudflare.zones.list           GET    /zones
 *   cloudflare.zones.get            GET    /zones/{zone_id}
 *   cloudflare.dns_records.list     GET    /zones/{zone_id}/dns_records
 *   cloudflare.dns_records.create   POST   /zones/{zone_id}/dns_records
 *   cloudflare.dns_records.get      GET    /zones/{zone_id}/dns_records/{id}
 *   cloudflare.dns_records.edit     PATCH  /zones/{zone_id}/dns_records/{id}
 *   cloudflare.dns_records.update   PUT    /zones/{zone_id}/dns_records/{id}
 *   cloudflare.dns_records.delete   DELETE /zones/{zone_id}/dns_records/{id}
 * Writes take the timing table's `cloudflare.api`; reads are immediate.
 *
 * Order of a call: fault injection (core) → authentication → rate limit → the handler. Injected
 * faults never reach "Cloudflare" and so do not count against the limit; refused-by-limit calls do.
 */
import type { FastifyInstance } from 'fastify';
import type { Faults } from '../core/faults.js';
import { createHttpSimulator } from '../core/http-simulator.js';
import type { Latency } from '../core/timing.js';
import { authenticate } from './cloudflare.auth.js';
import { CF, formatCloudflareError, sendError } from './cloudflare.envelope.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limiter.js';
import { registerRecordRoutes } from './record.routes.js';
import { RecordStore } from './record-store.js';
import { registerTokenRoutes } from './token.routes.js';
import { registerZoneRoutes } from './zone.routes.js';

export interface CloudflareSimulatorOptions {
  readonly faults: Faults;
  readonly latency: Latency;
  /** API tokens accepted as `Authorization: Bearer <token>`; each has every DNS and zone permission. */
  readonly tokens: readonly string[];
  readonly zones: readonly { id: string; name: string }[];
  /** Per token; default 1200 requests per 300 000 ms, the real limit. */
  readonly rateLimit?: RateLimit;
  /** Clock for timestamps and the rate limit (tests inject one). */
  readonly now?: () => number;
}

export function createCloudflareSimulator(options: CloudflareSimulatorOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const tokens = new Set(options.tokens);
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limiter = new RateLimiter(limit, now);
  const store = new RecordStore(options.zones, now);
  const app = createHttpSimulator({ faults: options.faults, formatError: formatCloudflareError });

  // An empty JSON body is no body: clients (and Cloudflare's own old curl examples) send
  // `Content-Type: application/json` on DELETE. Malformed JSON reaches the error handler (9207).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('invalid JSON body'), { statusCode: 400 }), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const op = request.routeOptions.config.op;
    if (op === undefined) return;
    const auth = authenticate(request.headers, tokens);
    if ('error' in auth) {
      return sendError(reply, op === 'cloudflare.tokens.verify' && auth.unknownToken === true ? CF.invalidApiToken() : auth.error);
    }
    const decision = limiter.take(auth.token);
    reply.header('ratelimit', `"default";r=${decision.remaining};t=${decision.resetSeconds}`);
    reply.header('ratelimit-policy', `"default";q=${limit.requests};w=${Math.ceil(limit.windowMs / 1000)}`);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.retryAfterSeconds));
      return sendError(reply, CF.rateLimited(limit.requests, Math.ceil(limit.windowMs / 1000)));
    }
  });

  registerTokenRoutes(app);
  registerZoneRoutes(app, store);
  registerRecordRoutes(app, store, options.latency);

  app.setNotFoundHandler((_request, reply) => sendError(reply, CF.noRoute()));
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    // Body errors (bad JSON, a body that is not JSON, too large) are all "Request body is invalid."
    const status = error.statusCode ?? 500;
    return sendError(reply, status >= 400 && status < 500 ? CF.invalidBody() : CF.internal());
  });
  return app;
}

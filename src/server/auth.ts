/**
 * Bearer-token authentication for HTTP routes and the WebSocket upgrade. Tokens are compared
 * as SHA-256 digests with timingSafeEqual: equal-length inputs keep the comparison constant
 * time without leaking the token's length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** Browsers cannot set headers on a WebSocket; they may offer the token as a subprotocol. */
export const BEARER_PROTOCOL_PREFIX = 'bearer.';

export type TokenCheck = (candidate: string | undefined) => boolean;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function createTokenCheck(apiToken: string): TokenCheck {
  if (apiToken === '') throw new AppError('CONFIG_INVALID', 'the API token must not be empty', { field: 'apiToken' });
  const expected = digest(apiToken);
  return (candidate) => candidate !== undefined && candidate !== '' && timingSafeEqual(digest(candidate), expected);
}

/** The token of an `Authorization: Bearer <token>` header (scheme is case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/** Entries of a Sec-WebSocket-Protocol header, in the client's order. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * The token a WebSocket upgrade presents: the Authorization header, else `?token=`, else a
 * `bearer.<token>` subprotocol. The first place that holds one decides; no fallthrough after a
 * wrong token, so a client cannot probe several at once.
 */
export function upgradeToken(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  if (headers.authorization !== undefined) return bearerToken(headers.authorization);
  const fromQuery = query.get('token');
  if (fromQuery !== null) return fromQuery;
  const fromProtocol = offeredProtocols(headers['sec-websocket-protocol']).find((entry) =>
    entry.startsWith(BEARER_PROTOCOL_PREFIX),
  );
  return fromProtocol?.slice(BEARER_PROTOCOL_PREFIX.length);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Served without a token: only what is no secret and changes nothing (the dashboard's
     * static files, the API documentation, liveness and readiness probes). Opt-in per route,
     * so a route forgotten here is protected, never exposed.
     */
    readonly public?: boolean;
  }
}

/** Every HTTP route, the 404 handler included, answers 401 before doing any work — but public ones. */
export function installBearerAuth(app: FastifyInstance, check: TokenCheck): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public === true && !request.is404) return;
    if (!check(bearerToken(request.headers.authorization))) {
      throw new AppError('UNAUTHORIZED', 'missing or invalid bearer token');
    }
  });
}

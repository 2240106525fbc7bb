/**
 * The live transition feed, `GET /v1/events` upgraded to a WebSocket (plain `ws`, attached to
 * the Fastify server's `upgrade` event; `app.inject` cannot upgrade, so it needs a listening app).
 *
 * Protocol (server → client JSON text messages; anything the client sends is ignored):
 *   {type:'hello', since, last_seq, service_id}        first, once
 *   {type:'transition', seq, service_id, from, to, event, step, error, at}   in seq order
 *   {type:'log', service_id, at, line}                  with logs=true, once caught up
 * Query: `since=<seq>` replays every transition after it (0 = the whole history; omitted =
 * live only, from `last_seq`), `service_id=<id>` filters, `logs=true` adds the services' log
 * lines as they are written (live only: GET /v1/services/:id/log has the history), `token=<token>` authenticates
 * browsers, which may instead offer the subprotocols [`provisiond.v1`, `bearer.<token>`].
 * Close codes: 1001 server shutting down, 1013 slow consumer (reconnect with since=<last seq
 * received>), 1011 internal error. A refused upgrade gets a JSON HTTP error: 400 bad query,
 * 401 bad token, 404 other path, 429 over the rate limit (counted with the client's HTTP
 * requests, before the token is looked at), 503 shutting down.
 * Only `Upgrade: websocket` is taken here. A request offering another protocol (curl --http2
 * sends `Upgrade: h2c`) is answered as the plain HTTP/1.1 request it also is; if it carries a
 * body it gets 400 naming `upgrade` instead (see serveAsPlainRequest).
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServiceRegistry } from '../actors/registry.types.js';
import { BEARER_PROTOCOL_PREFIX, upgradeToken, type TokenCheck } from './auth.js';
import { endWithError, toWireError, wireError, type WireError } from './error-handler.js';
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL_ERROR, serveFeedClient } from './feed-client.js';
import { FrameFlusher, Outbox } from './feed-outbox.js';
import type { AddressLimit } from './rate-limit.js';
import { SERVICE_ID_PATTERN } from './schemas.js';

export const FEED_PATH = '/v1/events';
export const FEED_PROTOCOL = 'provisiond.v1';

export interface FeedOptions {
  /** Unsent bytes a client may hold before it counts as slow. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Transitions read from the store per catch-up page. Default 500. */
  readonly catchUpPageSize?: number;
  /** How long catch-up waits for a client to drain before closing it. Default 30 s. */
  readonly drainTimeoutMs?: number;
  /**
   * The shortest time between two rounds of writes to the clients, so the longest a frame waits
   * for later ones to share its write (feed-outbox.ts); 0 = write after every commit. Default 5 ms.
   */
  readonly coalesceMs?: number;
  /** Bytes waiting for one client that are written at once. Default 64 KiB. */
  readonly coalesceBytes?: number;
}

/** Ends an unaccepted upgrade with a JSON error, as the HTTP routes would answer. */
const refuse = endWithError;

const SINCE = /^\d{1,16}$/;
const SERVICE_ID = new RegExp(SERVICE_ID_PATTERN);

function readQuery(query: URLSearchParams): { since: number | undefined; serviceId: string | undefined; logs: boolean } | WireError {
  const since = query.get('since');
  const serviceId = query.get('service_id');
  const logs = query.get('logs');
  if (logs !== null && !['1', 'true', '0', 'false'].includes(logs)) {
    return wireError(400, 'VALIDATION_FAILED', 'logs: must be true or false', { field: 'logs' });
  }
  if (since !== null && (!SINCE.test(since) || !Number.isSafeInteger(Number(since)))) {
    return wireError(400, 'VALIDATION_FAILED', 'since: must be a non-negative integer seq', { field: 'since' });
  }
  if (serviceId !== null && !SERVICE_ID.test(serviceId)) {
    return wireError(400, 'VALIDATION_FAILED', 'service_id: must match ' + SERVICE_ID_PATTERN, { field: 'service_id' });
  }
  return { since: since === null ? undefined : Number(since), serviceId: serviceId ?? undefined, logs: logs === '1' || logs === 'true' };
}

/**
 * Browsers fail the handshake unless the server echoes one offered subprotocol. Prefer ours;
 * when only `bearer.<token>` is offered, echo it (it goes back to the client that sent it).
 */
function chooseProtocol(protocols: Set<string>): string | false {
  if (protocols.has(FEED_PROTOCOL)) return FEED_PROTOCOL;
  return [...protocols].find((entry) => entry.startsWith(BEARER_PROTOCOL_PREFIX)) ?? false;
}

/** ws accepts exactly this Upgrade value (in any case); any other is not for the feed. */
function isWebSocketUpgrade(request: IncomingMessage): boolean {
  return request.headers.upgrade?.trim().toLowerCase() === 'websocket';
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/**
 * Node 20 gives every request carrying an Upgrade header to the server's 'upgrade' listeners
 * once there is one, never to the request handler (the `shouldUpgradeCallback` option that
 * changes this came in later versions). A server may answer such a request in HTTP/1.1 as if
 * the upgrade had not been offered (RFC 9110 §7.8), so it goes to Fastify as an ordinary
 * request: routing, rate limit, authentication and errors as for any other. The socket's HTTP
 * parser is gone by now, so nothing could read a following request: the response closes the
 * connection. The parser also skipped the body of an upgrade request, hence callers hand over
 * only requests without one.
 */
function serveAsPlainRequest(app: FastifyInstance, request: IncomingMessage, socket: Socket): void {
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket);
  // Closing the socket makes the response emit 'close' as well, as on an ordinary connection.
  response.on('finish', () => {
    socket.once('finish', () => socket.destroy());
    socket.end();
  });
  try {
    app.server.emit('request', request, response);
  } catch (error) {
    app.log.error({ err: error }, 'a request offering a non-WebSocket upgrade failed');
    socket.destroy();
  }
}

export function attachFeed(app: FastifyInstance, registry: ServiceRegistry, check: TokenCheck, options: FeedOptions = {}, limit?: AddressLimit): void {
  const settings = {
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    pageSize: options.catchUpPageSize ?? 500,
    drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
  };
  // Clients only listen; a small maxPayload keeps anything they send cheap to discard.
  // permessage-deflate stays off: the outboxes write ready-made uncompressed frames.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, handleProtocols: chooseProtocol });
  const flusher = new FrameFlusher({ maxWaitMs: options.coalesceMs ?? 5, maxBatchBytes: options.coalesceBytes ?? 64 * 1024 });
  const clients = new Set<WebSocket>();
  let closing = false;

  // A plain GET (no upgrade) passed the bearer hook; tell it how to use the endpoint.
  const schema = {
    tags: ['feed'],
    summary: 'The live transition feed (WebSocket only; a plain GET answers 426)',
    description:
      'Upgrade to a WebSocket. Query: `since=<seq>` replays every transition after it (0 = all), `service_id` filters, `logs=true` adds log lines, `token` authenticates browsers (or the subprotocols `provisiond.v1`, `bearer.<token>`). Messages: `hello`, then `transition` in seq order, and `log` with logs=true. Close codes 1001 shutting down, 1013 too slow (reconnect with since=<last seq>), 1011 internal error.',
  };
  app.get(FEED_PATH, { schema }, async (_request, reply) => {
    const { status, body } = wireError(426, 'VALIDATION_FAILED', 'this endpoint speaks WebSocket only', { field: 'upgrade' });
    return reply.code(status).header('Upgrade', 'websocket').send(body);
  });

  // ws's own handshake checks (missing key, bad version…) answer in JSON too.
  wss.on('wsClientError', (error, socket) => refuse(socket, wireError(400, 'VALIDATION_FAILED', error.message)));

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, firstChunk: Buffer) => {
    socket.on('error', (error) => app.log.debug({ err: error }, 'feed upgrade socket error'));
    const websocket = isWebSocketUpgrade(request);
    // Counted by the rate limiter's onRequest hook there, like any other request.
    if (!websocket && !hasBody(request)) return serveAsPlainRequest(app, request, request.socket);
    if (closing) return refuse(socket, wireError(503, 'SHUTTING_DOWN', 'server is shutting down'));
    // Before the token check: guessing tokens on the upgrade path costs the same as over HTTP.
    const limited = limit?.(request.socket.remoteAddress);
    if (limited !== undefined) return refuse(socket, toWireError(limited.error), { 'Retry-After': String(limited.retryAfterSeconds) });
    if (!websocket) {
      return refuse(socket, wireError(400, 'VALIDATION_FAILED', 'only WebSocket upgrades are supported; send this request without the Upgrade header', { field: 'upgrade' }));
    }
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://feed.invalid');
    } catch {
      return refuse(socket, wireError(400, 'VALIDATION_FAILED', 'the request path is not valid', { field: 'path' }));
    }
    // Authenticate before anything else, like the HTTP routes: no token, no information.
    if (!check(upgradeToken(request.headers, url.searchParams))) {
      return refuse(socket, wireError(401, 'UNAUTHORIZED', 'missing or invalid bearer token'), { 'WWW-Authenticate': 'Bearer' });
    }
    if (url.pathname !== FEED_PATH) return refuse(socket, wireError(404, 'NOT_FOUND', `no WebSocket endpoint ${url.pathname}`));
    const query = readQuery(url.searchParams);
    if ('status' in query) return refuse(socket, query);

    wss.handleUpgrade(request, socket, firstChunk, (ws) => {
      // First of all: a bad frame makes ws emit 'error', and an 'error' with no listener would
      // crash the process, on the shutdown path below or if setting the client up throws.
      ws.on('error', (error) => app.log.debug({ err: error }, 'feed client sent an invalid frame'));
      if (closing) return ws.close(CLOSE_GOING_AWAY, 'server shutting down');
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      try {
        const lastSeq = registry.lastSeq();
        // The socket handleUpgrade was given is the one ws writes to: frames go there directly.
        serveFeedClient(ws, new Outbox(ws, socket, flusher), registry, { ...settings, since: query.since ?? lastSeq, lastSeq, serviceId: query.serviceId, logs: query.logs }, app.log);
      } catch (error) {
        // This runs outside any request: an escaping error would crash the process.
        app.log.error({ err: error }, 'feed connection failed');
        ws.close(CLOSE_INTERNAL_ERROR, 'internal error');
      }
    });
  });

  // preClose, not onClose: Fastify closes the HTTP server before onClose hooks run, and the
  // server's close waits for every open socket, upgraded feed sockets included.
  app.addHook('preClose', (done) => {
    closing = true;
    // Frames already accepted go out before the close frames.
    flusher.flushAll();
    for (const ws of clients) {
      ws.close(CLOSE_GOING_AWAY, 'server shutting down');
      // A client that never answers the close frame must not hold the shutdown up.
      setTimeout(() => ws.terminate(), 1000).unref();
    }
    wss.close();
    done();
  });
}

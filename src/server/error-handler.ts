/**
 * Every failure leaves the server as `{ "error": { "code", "message", "field"?, ...details } }`.
 * Clients act on `code` (and on details such as `state` or `quota`), never on message text.
 * Unexpected errors become a generic 500: the real error goes to the log, not to the client.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, type ErrorCode } from '../errors.js';

export interface WireError {
  readonly status: number;
  readonly body: { readonly error: Readonly<Record<string, unknown>> & { readonly code: ErrorCode; readonly message: string } };
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  STATE_CONFLICT: 409,
  DOMAIN_QUOTA_EXCEEDED: 409,
  DOMAIN_TAKEN: 409,
  SNAPSHOT_MISSING: 409,
  PLAN_TOO_SMALL: 409,
  SERVICE_DELETED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_PLAN: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  IP_POOL_EXHAUSTED: 503,
  VMID_RANGE_EXHAUSTED: 503,
  SUBDOMAIN_EXHAUSTED: 503,
  SHUTTING_DOWN: 503,
  EFFECT_UNAVAILABLE: 503,
  PROVISIONING_FAILED: 502,
};

export function wireError(status: number, code: ErrorCode, message: string, extra: Readonly<Record<string, unknown>> = {}): WireError {
  // Details never override the fixed keys, which come first for whoever reads the body.
  const { code: _code, message: _message, ...details } = extra;
  return { status, body: { error: { code, message, ...details } } };
}

interface ValidationIssue {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** "/a/b" (a JSON pointer) → "a.b". */
function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function join(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

/**
 * Names the offending field of a schema failure. Understands both ajv's params
 * (`missingProperty`, `additionalProperty`) and TypeBox's (`requiredProperties`,
 * `additionalProperties`), preferring unknown and missing properties over value errors.
 */
function describeValidation(issues: readonly ValidationIssue[], context: string | undefined): { field: string; message: string } {
  const fallback = context === 'querystring' ? 'query' : (context ?? 'body');
  const extra = issues.find((issue) => issue.keyword === 'additionalProperties');
  if (extra !== undefined) {
    const name = firstString(extra.params?.additionalProperty) ?? firstString(extra.params?.additionalProperties);
    const field = join(pointerToField(extra.instancePath ?? ''), name ?? '') || fallback;
    return { field, message: `${field}: unknown property` };
  }
  const required = issues.find((issue) => issue.keyword === 'required');
  if (required !== undefined) {
    const name = firstString(required.params?.missingProperty) ?? firstString(required.params?.requiredProperties);
    const field = join(pointerToField(required.instancePath ?? ''), name ?? '') || fallback;
    return { field, message: `${field}: is required` };
  }
  const first = issues[0];
  const field = pointerToField(first?.instancePath ?? '') || fallback;
  return { field, message: `${field}: ${first?.message ?? 'is invalid'}` };
}

/** Errors Fastify raises itself while reading a request, keyed by their FST_ code. */
function fastifyError(error: FastifyError): WireError | undefined {
  if (Array.isArray(error.validation)) {
    const { field, message } = describeValidation(error.validation, error.validationContext);
    return wireError(400, 'VALIDATION_FAILED', message, { field });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return wireError(413, 'PAYLOAD_TOO_LARGE', 'request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return wireError(415, 'VALIDATION_FAILED', 'Content-Type must be application/json', { field: 'content-type' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return wireError(400, 'VALIDATION_FAILED', 'request body is not valid JSON', { field: 'body' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return wireError(400, 'VALIDATION_FAILED', 'request body is empty but Content-Type is application/json', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return wireError(400, 'VALIDATION_FAILED', 'Content-Length does not match the body', { field: 'content-length' });
    // Fastify's last-resort route, for a method its router does not know at all (PRI, as in
    // the HTTP/2 preface): no route, like any other 404.
    case 'FST_ERR_NOT_FOUND':
      return wireError(404, 'NOT_FOUND', 'no route for this method and path');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return wireError(400, 'VALIDATION_FAILED', 'the request path is not valid', { field: 'path' });
    default:
      break;
  }
  // Any other client error Fastify reports (a body the socket aborted, …): keep its status.
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return wireError(status, 'VALIDATION_FAILED', 'the request could not be read');
  }
  return undefined;
}

export function toWireError(error: unknown): WireError {
  if (isAppError(error)) {
    const status = STATUS_BY_CODE[error.code];
    if (status === undefined) return wireError(500, 'INTERNAL', 'internal error');
    return wireError(status, error.code, error.message, {
      ...error.details,
      ...(error.field === undefined ? {} : { field: error.field }),
    });
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('FST_')) {
    const mapped = fastifyError(error as FastifyError);
    if (mapped !== undefined) return mapped;
  }
  return wireError(500, 'INTERNAL', 'internal error');
}

function send(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toWireError(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code, status }, 'request rejected');
  if (status === 401) reply.header('WWW-Authenticate', 'Bearer');
  void reply.code(status).send(body);
}

/**
 * The error handler, the 404 handler, and the handler for framework errors that Fastify
 * raises before routing (bad URL encodings), which must be passed to the constructor.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => send(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    send(new AppError('NOT_FOUND', `no route ${request.method} ${path}`), request, reply);
  });
}

export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  send(error, request, reply);
}

/**
 * Ends a connection that never became a request Fastify handles with a JSON error of the usual
 * shape: a refused WebSocket upgrade, or what Node's HTTP parser could not read.
 */
export function endWithError(socket: Duplex, error: WireError, headers: Readonly<Record<string, string>> = {}): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(error.body);
  const lines = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** The response Node is writing on this socket now, if any (it keeps it as `_httpMessage`). */
function responseInFlight(socket: Duplex): ServerResponse | undefined {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/**
 * Answers a parser error without corrupting a response already under way. Node parses
 * pipelined requests while earlier ones are still being answered, so the broken request may be
 * a later one: its answer then waits its turn, after every response before it (on 'finish',
 * Node has already handed the socket to the next queued response, so the check repeats). A
 * broken body of the request being answered replaces that answer, unless it has begun: then
 * there is nothing left to do but hang up.
 */
function answerInTurn(socket: Duplex, wire: WireError): void {
  const inFlight = responseInFlight(socket);
  if (inFlight === undefined) return endWithError(socket, wire);
  if (!inFlight.req.complete) return inFlight.headersSent ? void socket.destroy() : endWithError(socket, wire);
  inFlight.once('finish', () => answerInTurn(socket, wire));
}

/**
 * Sockets with a parser error answered or waiting its turn. Node reports the error again for
 * every further chunk the client sends; one answer is enough, and a second call would cut the
 * first one off.
 */
const answered = new WeakSet<Duplex>();

/**
 * For Fastify's `clientErrorHandler` option: Node's HTTP parser refuses some requests before
 * Fastify sees them (a malformed request line or header, headers over the size limit, a body
 * that ends early, a request too slow to arrive). Fastify's default answers those in a shape of
 * its own; this answers them like every route does.
 */
export function clientErrorHandler(error: ConnectionError, socket: Duplex): void {
  // The client is gone: nothing to say.
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const wire =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? wireError(431, 'VALIDATION_FAILED', 'the request headers are larger than the limit', { field: 'headers' })
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? wireError(408, 'VALIDATION_FAILED', 'the request did not arrive in time')
        : wireError(400, 'VALIDATION_FAILED', 'the request is not valid HTTP');
  answerInTurn(socket, wire);
}

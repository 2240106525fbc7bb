/**
 * NPM's error shape (backend/app.js, backend/lib/error.js):
 * `{"error":{"code":<status>,"message":<text>,"message_i18n"?},"debug"?}`.
 *
 * - Only "public" errors show their message; everything else reads "Internal Error".
 * - `code` is the error's own `status`: errors thrown by libraries (a malformed JWT, a
 *   TypeError) have none, so the body has no `code` while the HTTP status is 500.
 * - On paths containing `nginx/certificates` the body also carries `debug.stack`.
 */
import type { FastifyReply } from 'fastify';
import type { ErrorShape } from '../core/http-simulator.js';

export interface NpmErrorInit {
  /** NPM's error class name, shown as the first line of `debug.stack`. */
  readonly name: string;
  /** HTTP status; undefined for library errors (answered 500, no `code`). */
  readonly status: number | undefined;
  readonly message: string;
  readonly public: boolean;
  readonly i18n?: string;
}

export class NpmError extends Error {
  readonly status: number | undefined;
  readonly isPublic: boolean;
  readonly i18n: string | undefined;

  constructor(init: NpmErrorInit) {
    super(init.message);
    this.name = init.name;
    this.status = init.status;
    this.isPublic = init.public;
    this.i18n = init.i18n;
  }
}

/** The error classes of backend/lib/error.js, with the status and visibility each one has. */
export const npmErrors = {
  validation: (message: string) => new NpmError({ name: 'ValidationError', status: 400, message, public: true }),
  auth: (message: string, i18n?: string) =>
    new NpmError({ name: 'AuthError', status: 400, message, public: true, ...(i18n === undefined ? {} : { i18n }) }),
  notFound: (id: string | number) =>
    new NpmError({ name: 'ItemNotFoundError', status: 404, message: `Not Found - ${id}`, public: true }),
  /** Query/path parameter validation (lib/validator/index.js): status 400, message hidden. */
  internalValidation: (message: string) =>
    new NpmError({ name: 'InternalValidationError', status: 400, message, public: false }),
  assertion: (message: string) => new NpmError({ name: 'AssertionFailedError', status: 400, message, public: false }),
  /** certbot and nginx failures. */
  command: (message: string) => new NpmError({ name: 'CommandError', status: 500, message, public: false }),
  /** An error thrown by a library: no status at all. */
  library: (name: string, message: string) => new NpmError({ name, status: undefined, message, public: false }),
};

export function npmErrorBody(error: NpmError, path: string): unknown {
  const inner: Record<string, unknown> = {
    code: error.status,
    message: error.isPublic ? error.message : 'Internal Error',
  };
  if (error.status === undefined) delete inner['code'];
  if (error.i18n !== undefined) inner['message_i18n'] = error.i18n;
  const body: Record<string, unknown> = { error: inner };
  if (path.includes('nginx/certificates')) {
    body['debug'] = { stack: [`${error.name}: ${error.message}`, '    at (provisiond sandbox)'] };
  }
  return body;
}

export function sendNpmError(reply: FastifyReply, error: NpmError, path: string): void {
  sendJson(reply, error.status ?? 500, npmErrorBody(error, path));
}

/** The formatter the shared fault injector uses for `status` faults. */
export function formatNpmError(status: number, message: string): ErrorShape {
  return { status, body: { error: { code: status, message } } };
}

/** NPM's Express app pretty-prints JSON (`json spaces 2`). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body, null, 2));
}

/**
 * Bodies the way NPM's Express app reads them: `express.json()` (100 kB limit; invalid JSON →
 * 400 "Internal Error", the parser's error is not public), an empty or non-JSON body is `{}`
 * (so validation, not the parser, rejects it), and every error leaves through NPM's error shape.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { NpmError, npmErrors, sendNpmError } from './npm-errors.js';
import { requestPath } from './npm-request.js';

/** express.json()'s default `limit`. */
export const NPM_BODY_LIMIT = 100 * 1024;

export function installNpmBodyParsing(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const source = typeof text === 'string' ? text : text.toString('utf8');
    if (source.trim() === '') {
      done(null, {});
      return;
    }
    // body-parser's strict mode: only an object or an array is JSON it accepts.
    const first = source.trimStart()[0];
    try {
      if (first !== '{' && first !== '[') throw new SyntaxError(`Unexpected token ${first ?? ''} in JSON`);
      done(null, JSON.parse(source));
    } catch (error) {
      done(new NpmError({ name: 'SyntaxError', status: 400, message: String(error), public: false }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));

  app.setErrorHandler((error: FastifyError | NpmError, request, reply) => {
    const path = requestPath(request);
    if (error instanceof NpmError) {
      sendNpmError(reply, error, path);
      return;
    }
    // Fastify's own 4xx (body too large, bad content length…) are body-parser errors in Express:
    // they keep their status and hide their message. Anything else is an unexpected 500.
    const status = error.statusCode;
    const npmError =
      status !== undefined && status >= 400 && status < 500
        ? new NpmError({ name: error.name, status, message: error.message, public: false })
        : npmErrors.library(error.name, error.message);
    sendNpmError(reply, npmError, path);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = requestPath(request);
    sendNpmError(reply, npmErrors.notFound(path), path);
  });
}

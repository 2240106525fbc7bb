/**
 * `/api/tokens` (backend/routes/tokens.js) and the health check `GET /api`.
 *
 * Login never sets the lifetime (the body schema is closed: `expiry` → 400); refresh takes
 * `?expiry=<n><unit>`. Wrong credentials are 400 with `message_i18n`, never 401.
 */
import type { FastifyInstance } from 'fastify';
import type { NpmContext } from './npm-context.js';
import { npmErrors, sendJson } from './npm-errors.js';
import { callerOf, validateBody } from './npm-request.js';

interface LoginBody {
  readonly identity: string;
  readonly secret: string;
  readonly scope?: string;
}

export function registerTokenRoutes(app: FastifyInstance, npm: NpmContext): void {
  app.get('/api', { config: { op: 'npm.health.get' } }, async (_request, reply) => {
    sendJson(reply, 200, { status: 'OK', setup: true, version: { major: 2, minor: 15, revision: 1 } });
    return reply;
  });

  app.post('/api/tokens', { config: { op: 'npm.tokens.create' } }, async (request, reply) => {
    const body = validateBody<LoginBody>('POST /tokens', request.body);
    const identity = body.identity.toLowerCase().trim();
    if (identity !== npm.user.email.toLowerCase().trim() || body.secret !== npm.secret) {
      throw npmErrors.auth('Invalid email or password', 'error.invalid-auth');
    }
    sendJson(reply, 200, npm.tokens.issue(npm.user.id, null));
    return reply;
  });

  app.get('/api/tokens', { config: { op: 'npm.tokens.refresh' } }, async (request, reply) => {
    const caller = callerOf(npm, request);
    // Without a token NPM's getFreshToken finds no user id: AssertionFailedError, 400, hidden.
    if (caller === null) throw npmErrors.assertion('Existing token contained invalid user data');
    const expiry = (request.query as Record<string, unknown>)['expiry'];
    sendJson(reply, 200, npm.tokens.issue(caller, typeof expiry === 'string' ? expiry : null));
    return reply;
  });
}

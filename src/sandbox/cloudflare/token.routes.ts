/**
 * `GET /user/tokens/verify`: the start-up check reference NOTES §1 recommends. Authentication
 * already ran in the simulator's hook; a valid token is active (the sandbox never expires one).
 * The answer's message is the one real responses carry (putyourlightson/craft-cloudflare#88).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export const VERIFY_PATH = '/client/v4/user/tokens/verify';

export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}

export function registerTokenRoutes(app: FastifyInstance): void {
  app.get(VERIFY_PATH, { config: { op: 'cloudflare.tokens.verify' } }, async (request) => ({
    result: { id: tokenId(request.headers.authorization?.replace(/^Bearer +/i, '') ?? ''), status: 'active' },
    success: true,
    errors: [],
    messages: [{ code: 10000, message: 'This API Token is valid and active', type: null }],
  }));
}

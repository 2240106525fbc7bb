/**
 * API-token authentication as pveproxy does it: `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`
 * (the value is split on its last `=`), no CSRF header needed. Failures answer 401 with an empty
 * body and the reason in the status line, and only after a delay: the real server holds every
 * 401 for 3 s. Here the delay is `unauthorizedDelayMs`, by default 3 model seconds scaled like
 * every other latency (60 ms at the default scale, none at scale 0).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendShape } from '../core/http-simulator.js';
import { formatPveError } from './pve-errors.js';

export interface ApiToken {
  /** `user@realm!tokenid`, e.g. `provisiond@pve!daemon`. */
  readonly id: string;
  readonly secret: string;
}

const users = new WeakMap<FastifyRequest, string>();

/** The authenticated `user@realm!tokenid` of a request (what task UPIDs record). */
export function requestUser(request: FastifyRequest): string {
  return users.get(request) ?? 'root@pam';
}

/** extract_auth_value: `PVEAPIToken=…` or `PVEAPIToken:…` up to a `;`, URI-unescaped. */
function tokenValue(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /(?:^|\s)PVEAPIToken(?:=|:)\s*([^;]*)/.exec(header);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/** verify_token: the token id, or the reason it is refused. */
function verify(tokens: readonly ApiToken[], value: string): { user: string } | { reason: string } {
  const split = value.lastIndexOf('=');
  if (split < 0) return { reason: 'no tokenid specified' };
  const id = value.slice(0, split);
  const secret = value.slice(split + 1);
  const token = tokens.find((t) => t.id === id);
  // NOTES §2: a bad or unknown token reads `401 Authentication failed!`.
  if (token === undefined || token.secret !== secret) return { reason: 'Authentication failed!' };
  return { user: id };
}

export function installTokenAuth(app: FastifyInstance, tokens: readonly ApiToken[], delayMs: number): void {
  app.addHook('onRequest', async (request, reply) => {
    const token = tokenValue(request.headers.authorization);
    let outcome: { user: string } | { reason: string };
    if (token !== undefined) outcome = verify(tokens, token);
    else if (/PVEAuthCookie=/.test(request.headers.cookie ?? '')) outcome = { reason: 'permission denied - invalid PVE ticket' };
    else outcome = { reason: 'No ticket' };
    if ('user' in outcome) {
      users.set(request, outcome.user);
      return;
    }
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    sendShape(reply, formatPveError(401, outcome.reason));
    return reply;
  });
}

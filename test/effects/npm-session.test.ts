/**
 * Token edge cases the simulator cannot produce on demand (a bad signature, a token refused
 * as expired right after login), against a scripted stand-in for NPM's API.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createNpmEffects, type NpmEffects } from '../../src/effects/npm/npm.effects.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('the NPM client\'s token handling', () => {
  const logins: number[] = [];
  let listAnswers: Handler[] = [];
  let server: ReturnType<typeof createServer>;
  let effects: NpmEffects;

  before(async () => {
    server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/api/tokens') {
        logins.push(Date.now());
        json(res, 200, { token: `t${logins.length}`, expires: new Date(Date.now() + 86_400_000).toISOString() });
        return;
      }
      const next = listAnswers.shift();
      if (next !== undefined) next(req, res);
      else json(res, 200, []);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    effects = createNpmEffects({ url, email: 'a@b.test', password: 'pw', proxyUrl: 'http://127.0.0.1:1' });
  });
  after(async () => {
    await effects.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const expired: Handler = (_req, res) => json(res, 400, { error: { code: 400, message: 'Token has expired' } });

  it('after a 500 without an error code (a bad token) logs in afresh on the next operation', async () => {
    listAnswers = [(_req, res) => json(res, 500, { error: { message: 'Internal Error' } })];
    await assert.rejects(effects.deleteProxyHost({ serviceId: 's', fqdn: 'x.test' }), { code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    const before = logins.length;
    await effects.deleteProxyHost({ serviceId: 's', fqdn: 'x.test' });
    assert.equal(logins.length, before + 1);
  });

  it('re-logs in only once when even the fresh token is refused as expired', async () => {
    const before = logins.length;
    listAnswers = [expired, expired];
    await assert.rejects(effects.deleteProxyHost({ serviceId: 's', fqdn: 'x.test' }), { code: 'UPSTREAM_AUTH_FAILED', retryable: false });
    assert.equal(logins.length, before + 1);
  });

  it('treats a login that asks for 2FA as a configuration error', async () => {
    const twoFactor = createServer((_req, res) => json(res, 200, { requires_2fa: true, challenge_token: 'c' }));
    await new Promise<void>((resolve) => twoFactor.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(twoFactor.address() as AddressInfo).port}/api`;
    const other = createNpmEffects({ url, email: 'a@b.test', password: 'pw', proxyUrl: 'http://127.0.0.1:1' });
    try {
      await assert.rejects(other.deleteProxyHost({ serviceId: 's', fqdn: 'x.test' }), { code: 'UPSTREAM_AUTH_FAILED', retryable: false });
    } finally {
      await other.close();
      twoFactor.closeAllConnections();
      await new Promise<void>((resolve) => twoFactor.close(() => resolve()));
    }
  });
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

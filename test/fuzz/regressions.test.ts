/**
 * What the fuzz tests found, pinned down one case at a time.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import type { ServiceRegistry } from '../../src/actors/registry.types.js';
import { buildApp } from '../../src/server/app.js';
import { clientErrorHandler } from '../../src/server/error-handler.js';
import { createTestStack, waitFor } from '../support/stack.js';
import { createHarness, errorOf, PLANS, siteBody, TOKEN } from '../server/harness.js';
import { exchange, firstResponse, getStatus } from './raw-http.js';
import { rawUpgrade } from './raw-ws.js';
import { encodeFrame, OPCODE } from './ws-frames.js';

describe('query-string numbers are plain decimal digits', () => {
  const h = createHarness({ app: { rateLimit: false } });
  after(() => h.close());

  // TypeBox's query conversion used to read these as 1, 1, 16, 5, 0 and 10.
  for (const value of ['1.5', 'true', '0x10', '%205', '', '1e1', '+3', '-0']) {
    test(`limit=${value} is a 400 naming limit`, async () => {
      for (const url of [`/v1/services?limit=${value}`, `/v1/services/any/log?limit=${value}`]) {
        const response = await h.call({ method: 'GET', url });
        assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
        assert.equal(errorOf(response).field, 'limit', url);
      }
    });

    test(`create-site?wait=${value} is a 400 naming wait, and creates nothing`, async () => {
      const response = await h.call({ method: 'POST', url: `/create-site?wait=${value}`, payload: siteBody('waits') });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(errorOf(response).field, 'wait');
      assert.equal(h.stack.registry.get('waits'), undefined);
    });
  }

  test('plain digits still work, within their ranges', async () => {
    assert.equal((await h.call({ method: 'GET', url: '/v1/services?limit=500' })).statusCode, 200);
    assert.equal((await h.call({ method: 'GET', url: '/v1/services?limit=501' })).statusCode, 400);
    assert.equal((await h.call({ method: 'POST', url: '/create-site?wait=0', payload: siteBody('waits-0') })).statusCode, 201);
    const tooLong = await h.call({ method: 'POST', url: '/create-site?wait=111', payload: siteBody('waits-111') });
    assert.deepEqual([tooLong.statusCode, errorOf(tooLong).field], [400, 'wait']);
  });
});

describe('e-mail addresses that text cannot hold are refused', () => {
  const h = createHarness({ app: { rateLimit: false } });
  after(() => h.close());

  // A lone surrogate used to be stored as U+FFFD; a bidi override would spoof the address.
  for (const email of ['jane\ud800@example.com', 'jane@exam\udc00ple.com', '\u202eevil@example.com', 'ja\u200bne@example.com']) {
    test(`${JSON.stringify(email)} is a 400 naming email`, async () => {
      const response = await h.call({ method: 'POST', url: '/create-site', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(siteBody('mail-1', { email })) });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(errorOf(response).field, 'email');
    });
  }

  test('international addresses still pass', async () => {
    const response = await h.call({ method: 'POST', url: '/create-site', payload: siteBody('mail-2', { email: 'José.Ñandú@exämple.es' }) });
    assert.equal(response.statusCode, 201, response.body);
  });
});

test('a custom domain added again with its Idempotency-Key after it was removed gets its 202, not a 500', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  assert.equal((await h.call({ method: 'POST', url: '/create-site', payload: siteBody('dom-1') })).statusCode, 201);
  await h.settled('dom-1', 'active');
  const add = { method: 'POST', url: '/customdomain/add', headers: { 'idempotency-key': 'add-shop' }, payload: { service_id: 'dom-1', domain: 'shop.example.com' } } as const;
  assert.equal((await h.call(add)).statusCode, 202);
  assert.equal((await h.call({ method: 'DELETE', url: '/v1/services/dom-1/domains/shop.example.com' })).statusCode, 202);
  await waitFor(() => h.stack.registry.get('dom-1')?.domains.length === 0, 5_000, 'the domain to be removed');
  // Paymenter delivers the first request again.
  const repeat = await h.call(add);
  assert.equal(repeat.statusCode, 202, repeat.body);
  assert.deepEqual(repeat.json(), { success: true, service_id: 'dom-1', domain: 'shop.example.com', state: 'removed', verification: null, verify_until: null });
  assert.equal(h.stack.registry.get('dom-1')?.domains.length, 0, 'the repeat added nothing');
});

test('a feed client whose set-up fails and who then sends a bad frame does not bring the server down', async (t) => {
  const stack = createTestStack();
  const real = stack.registry;
  // The registry answers everything but the newest seq (a locked database, say).
  const failing: ServiceRegistry = {
    execute: (command, options) => real.execute(command, options),
    committed: () => real.committed(),
    get: (id) => real.get(id),
    list: (query) => real.list(query),
    recentTransitions: (id, limit) => real.recentTransitions(id, limit),
    transitionsAfter: (seq, options) => real.transitionsAfter(seq, options),
    lastSeq: () => {
      throw new Error('database is locked');
    },
    onTransition: (listener) => real.onTransition(listener),
    logTail: (id, limit) => real.logTail(id, limit),
    onLog: (listener) => real.onLog(listener),
  };
  const app = buildApp({ registry: failing, apiToken: TOKEN, plans: PLANS, rateLimit: false });
  t.after(async () => {
    await app.close();
    stack.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const key = Buffer.alloc(16, 7).toString('base64');
  const upgrade = `GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
  // The bad frame travels with the upgrade, so ws reads it just after the set-up failed.
  const client = await rawUpgrade(port, Buffer.concat([Buffer.from(upgrade, 'latin1'), encodeFrame({ opcode: OPCODE.text, payload: Buffer.from('x'), rsv: 4 })]));
  assert.equal(client.status, 101);
  assert.ok(await client.until(() => client.closed(), 3_000), 'the client was not closed');
  assert.equal(client.frames.closeCode(), 1011);
  assert.equal(await getStatus(port, '/v1/services', `Bearer ${TOKEN}`), 200);
});

test('clientErrorHandler answers what the HTTP parser refuses in the documented error shape', async (t) => {
  const server = createServer((_request, response) => response.end('ok'));
  server.on('clientError', clientErrorHandler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const cases = [
    ['GARBAGE\r\n\r\n', 400, undefined],
    [`GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n`, 400, undefined],
    [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers'],
  ] as const;
  for (const [request, status, field] of cases) {
    const { received } = await exchange(port, Buffer.from(request, 'latin1'), 'half-close', 3_000);
    const response = firstResponse(received);
    assert.equal(response?.status, status, request.slice(0, 40));
    assert.deepEqual(JSON.parse(response?.body ?? ''), {
      error: { code: 'VALIDATION_FAILED', message: status === 431 ? 'the request headers are larger than the limit' : 'the request is not valid HTTP', ...(field === undefined ? {} : { field }) },
    });
  }
});

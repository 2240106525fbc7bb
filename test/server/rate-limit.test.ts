/**
 * Per-client rate limiting: counted per remote address before authentication (so guessing
 * tokens is limited too), answered in the API's error shape with Retry-After.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTH, createHarness, errorOf } from './harness.js';

test('a client over its limit gets 429 RATE_LIMITED with Retry-After; other clients are unaffected', async (t) => {
  const h = createHarness({ app: { rateLimit: { max: 3, windowMs: 60_000 } } });
  t.after(() => h.close());
  const from = (remoteAddress: string, headers: Record<string, string> = AUTH) =>
    h.app.inject({ method: 'GET', url: '/v1/services', headers, remoteAddress });

  for (let i = 0; i < 3; i++) assert.equal((await from('127.0.0.7')).statusCode, 200);
  const limited = await from('127.0.0.7');
  assert.equal(limited.statusCode, 429);
  assert.equal(errorOf(limited).code, 'RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After says when to come back');
  assert.ok(Number(errorOf(limited).retry_after_seconds) > 0);
  assert.equal((await from('127.0.0.8')).statusCode, 200, 'another address has its own budget');
});

test('token guessing is limited like everything else: the limiter runs before authentication', async (t) => {
  const h = createHarness({ app: { rateLimit: { max: 2, windowMs: 60_000 } } });
  t.after(() => h.close());
  const guess = (token: string) => h.app.inject({ method: 'GET', url: '/v1/services', headers: { authorization: `Bearer ${token}` }, remoteAddress: '127.0.0.9' });
  assert.equal((await guess('wrong-1')).statusCode, 401);
  assert.equal((await guess('wrong-2')).statusCode, 401);
  const third = await guess('wrong-3');
  assert.equal(third.statusCode, 429, 'the third guess is not even checked');
  assert.equal(errorOf(third).code, 'RATE_LIMITED');
});

test('without a limit configured the app does not limit (the daemon configures one)', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  for (let i = 0; i < 20; i++) assert.equal((await h.call({ method: 'GET', url: '/v1/services' })).statusCode, 200);
});

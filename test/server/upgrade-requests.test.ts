/**
 * Requests that carry an Upgrade header never pass Fastify's hooks on their own (Node hands them
 * to the feed's 'upgrade' listener). WebSocket upgrades are counted against the client's rate
 * limit before the token is checked, in one budget with its HTTP requests; an offer of another
 * protocol (curl --http2 sends `Upgrade: h2c`) is answered as the plain HTTP/1.1 request it is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { exchange, firstResponse, getStatus, type RawResponse } from '../fuzz/raw-http.js';
import { AUTH, createHarness, TOKEN } from './harness.js';

async function listening(t: { after: (fn: () => Promise<void>) => void }, rateLimit?: { max: number; windowMs: number }): Promise<number> {
  const h = createHarness({ app: rateLimit === undefined ? {} : { rateLimit } });
  t.after(() => h.close());
  return Number((await h.listen()).split(':')[1]);
}

/** Sends `text` and waits (at most 3 s) for the server's answer and its hang-up. */
async function send(port: number, text: string): Promise<RawResponse & { error?: Record<string, unknown> }> {
  const { received } = await exchange(port, Buffer.from(text, 'latin1'), 'keep-open', 3_000);
  const response = firstResponse(received);
  assert.ok(response !== undefined, `no complete response to ${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(received.toString('latin1').slice(0, 300))}`);
  const body = response.body === '' ? {} : (JSON.parse(response.body) as { error?: Record<string, unknown> });
  return { ...response, ...(body.error === undefined ? {} : { error: body.error }) };
}

function wsUpgrade(path: string, token: string): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    `Authorization: Bearer ${token}`,
  ].join('\r\n') + '\r\n\r\n';
}

function h2cRequest(path: string, headers: readonly string[] = [`Authorization: Bearer ${TOKEN}`]): string {
  return [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA', ...headers].join('\r\n') + '\r\n\r\n';
}

test('upgrade attempts count against the rate limit before the token is checked: the 4th of 3 gets 429, not 401', async (t) => {
  const port = await listening(t, { max: 3, windowMs: 60_000 });
  for (let i = 1; i <= 3; i++) {
    const refused = await send(port, wsUpgrade('/v1/events', `wrong-${i}`));
    assert.equal(refused.status, 401, `guess ${i} is checked`);
  }
  const limited = await send(port, wsUpgrade('/v1/events', TOKEN));
  assert.equal(limited.status, 429, 'even the right token is not looked at once over the limit');
  assert.equal(limited.error?.code, 'RATE_LIMITED');
  assert.match(String(limited.error?.message), /at most 3 per 60 s/);
  assert.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After says when to come back');
  assert.equal(limited.headers['retry-after'], String(limited.error?.retry_after_seconds));
});

test('HTTP requests and upgrades from one address share one budget, and it comes back after the window', async (t) => {
  const port = await listening(t, { max: 3, windowMs: 1_000 });
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
  assert.equal((await send(port, wsUpgrade('/v1/events', 'wrong'))).status, 401, 'the third attempt of the window');
  const http = await send(port, `GET /v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
  assert.equal(http.status, 429, 'the upgrade used up the HTTP budget');
  assert.match(String(http.error?.message), /at most 3 per 1 s/, 'the message states the window, not the time left');
  assert.equal((await send(port, wsUpgrade('/v1/events', 'wrong'))).status, 429, 'and the HTTP requests the upgrade budget');
  const h2c = await send(port, h2cRequest('/v1/services'));
  assert.equal(h2c.status, 429, 'a request offering h2c is counted like any other');

  await delay(1_100);
  assert.equal((await send(port, wsUpgrade('/v1/events', 'wrong'))).status, 401, 'a new window, a new budget');
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
});

test('a request offering h2c is answered as plain HTTP/1.1: routes, authentication and errors as usual', async (t) => {
  const port = await listening(t);
  const list = await send(port, h2cRequest('/v1/services'));
  assert.equal(list.status, 200);
  assert.ok(Array.isArray((JSON.parse(list.body) as { services?: unknown }).services), list.body);
  assert.equal(list.headers.connection, 'close', 'the connection cannot carry another request');
  assert.equal(list.headers.upgrade, undefined, 'no switch of protocol');

  const status = await send(port, h2cRequest('/status?service_id=nobody'));
  assert.equal(status.status, 404);
  assert.equal(status.error?.code, 'NOT_FOUND');
  const unknownPath = await send(port, h2cRequest('/v1/nothing-here'));
  assert.equal(unknownPath.status, 404);
  assert.match(String(unknownPath.error?.message), /no route GET \/v1\/nothing-here/, 'the ordinary 404, not the feed\'s');
  const noToken = await send(port, h2cRequest('/v1/services', []));
  assert.equal(noToken.status, 401);
  assert.equal(noToken.headers['www-authenticate'], 'Bearer');
  const feedPath = await send(port, h2cRequest('/v1/events'));
  assert.equal(feedPath.status, 426, 'the feed path without a WebSocket upgrade says how to use it');

  // Node's parser skipped the body of an upgrade request, so it cannot be handed over.
  const withBody = await send(
    port,
    `POST /suspend HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
  );
  assert.equal(withBody.status, 400);
  assert.equal(withBody.error?.code, 'VALIDATION_FAILED');
  assert.equal(withBody.error?.field, 'upgrade');

  // A WebSocket upgrade elsewhere is still the feed's to refuse.
  const wsElsewhere = await send(port, wsUpgrade('/status', TOKEN));
  assert.equal(wsElsewhere.status, 404);
  assert.match(String(wsElsewhere.error?.message), /no WebSocket endpoint/);
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
});

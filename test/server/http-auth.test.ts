import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { createHarness, errorOf, siteBody, TOKEN } from './harness.js';

const h = createHarness();
test.after(() => h.close());
// A route that opts out of the token (as the dashboard's files and the probes do), added before the app is ready.
h.app.get('/public-probe', { config: { public: true } }, async () => ({ ok: true }));

const routes: ReadonlyArray<InjectOptions & { method: string; url: string }> = [
  { method: 'POST', url: '/create-site', payload: siteBody(1) },
  { method: 'POST', url: '/suspend', payload: { service_id: 1 } },
  { method: 'POST', url: '/unsuspend', payload: { service_id: 1 } },
  { method: 'POST', url: '/delete-site', payload: { service_id: 1 } },
  { method: 'POST', url: '/customdomain/add', payload: { service_id: 1, domain: 'shop.example.com' } },
  { method: 'GET', url: '/status?service_id=1' },
  { method: 'GET', url: '/v1/services' },
  { method: 'GET', url: '/v1/services/1' },
  { method: 'POST', url: '/v1/services/1/retry' },
  { method: 'POST', url: '/v1/services/1/suspend' },
  { method: 'POST', url: '/v1/services/1/unsuspend' },
  { method: 'POST', url: '/v1/services/1/delete' },
  { method: 'POST', url: '/v1/services/1/domains', payload: { domain: 'shop.example.com' } },
  { method: 'DELETE', url: '/v1/services/1/domains/shop.example.com' },
  { method: 'GET', url: '/v1/events' },
  { method: 'GET', url: '/no-such-route' },
];

const badCredentials: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['no Authorization header', {}],
  ['a wrong token', { authorization: 'Bearer not-the-token' }],
  ['the token with a different scheme', { authorization: `Basic ${TOKEN}` }],
  ['the token as a query parameter only', {}],
];

for (const route of routes) {
  test(`${route.method} ${route.url} answers 401 without a valid bearer token`, async () => {
    for (const [what, headers] of badCredentials) {
      const url = what.includes('query') ? `${route.url}${route.url.includes('?') ? '&' : '?'}token=${TOKEN}` : route.url;
      // Fresh headers: the harness's own `call` would add the real token.
      const response = await h.app.inject({ ...route, url, headers });
      assert.equal(response.statusCode, 401, `${what}: ${response.body}`);
      assert.deepEqual(errorOf(response), { code: 'UNAUTHORIZED', message: 'missing or invalid bearer token' });
      assert.equal(response.headers['www-authenticate'], 'Bearer');
    }
  });
}

test('a refused request reaches nothing: no service exists afterwards', async () => {
  await h.app.inject({ method: 'POST', url: '/create-site', payload: siteBody(77) });
  assert.equal(h.stack.registry.get('77'), undefined);
});

test('the bearer scheme name is accepted in any case', async () => {
  const response = await h.app.inject({ method: 'GET', url: '/v1/services', headers: { authorization: `bearer ${TOKEN}` } });
  assert.equal(response.statusCode, 200);
});

test('request logs never contain the token, neither from the header nor from a ?token= query', async (t) => {
  const lines: string[] = [];
  const stream = { write: (line: string) => void lines.push(line) };
  const logged = createHarness({ app: { logger: { level: 'debug', stream } } });
  t.after(() => logged.close());
  await logged.call({ method: 'GET', url: `/v1/events?token=${TOKEN}&since=0` });
  await logged.call({ method: 'POST', url: '/create-site', payload: siteBody(5) });
  await logged.app.inject({ method: 'GET', url: '/v1/services', headers: { authorization: 'Bearer wrong-token-value' } });
  const text = lines.join('');
  assert.ok(lines.length > 0);
  assert.ok(text.includes('token=[redacted]'), text);
  assert.ok(!text.includes(TOKEN));
  assert.ok(!text.includes('wrong-token-value'));
});

test('a route marked public answers without a token; every other route, and unknown paths beside it, still need one', async () => {
  const open = await h.app.inject({ method: 'GET', url: '/public-probe' });
  assert.equal(open.statusCode, 200);
  assert.deepEqual(open.json(), { ok: true });
  // Only the method and path the route declares are public: its 404 neighbours are not.
  for (const url of ['/public-probe/x', '/public-probe2']) {
    assert.equal((await h.app.inject({ method: 'GET', url })).statusCode, 401, url);
  }
  assert.equal((await h.app.inject({ method: 'POST', url: '/public-probe' })).statusCode, 401, 'another method is a 404, behind the token');
});

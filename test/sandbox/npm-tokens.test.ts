import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMAIL, SECRET, shapeProblems, startNpm } from './npm-harness.js';

const DAY = 86_400_000;

test('a login with the service user answers a JWT-shaped token and when it expires', async (t) => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');
  const npm = await startNpm({ now: () => now });
  t.after(() => npm.close());
  const answer = await npm.call('POST', '/api/tokens', { body: { identity: ` ${EMAIL.toUpperCase()} `, secret: SECRET, scope: 'user' }, token: null });
  assert.equal(answer.status, 200);
  assert.deepEqual(shapeProblems('token-object', answer.body), []);
  assert.match(answer.body.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(answer.body.expires, new Date(now + DAY).toISOString());
  const claims = JSON.parse(Buffer.from(answer.body.token.split('.')[1], 'base64url').toString());
  assert.equal(claims.exp, Math.floor(now / 1000) + 86_400);
  assert.deepEqual(claims.scope, ['user']);
});

test('wrong credentials answer 400 with NPM\'s message and i18n key, never 401', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  for (const body of [{ identity: EMAIL, secret: 'wrong' }, { identity: 'someone@example.com', secret: SECRET }]) {
    const answer = await npm.call('POST', '/api/tokens', { body, token: null });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      error: { code: 400, message: 'Invalid email or password', message_i18n: 'error.invalid-auth' },
    });
  }
});

test('the login body is validated against the closed schema: unknown, missing and mistyped fields', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  const cases: ReadonlyArray<readonly [unknown, string]> = [
    [{ identity: EMAIL, secret: SECRET, expiry: '1y' }, 'data must NOT have additional properties'],
    [{ identity: EMAIL }, "data must have required property 'secret'"],
    [{}, "data must have required property 'identity', data must have required property 'secret'"],
    [{ identity: { email: EMAIL }, secret: SECRET }, 'data/identity must be string'],
    [{ identity: EMAIL, secret: SECRET, scope: 'admin' }, 'data/scope must be equal to one of the allowed values'],
    [{ identity: '', secret: SECRET }, 'data/identity must NOT have fewer than 1 characters'],
  ];
  for (const [body, message] of cases) {
    const answer = await npm.call('POST', '/api/tokens', { body, token: null });
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.deepEqual(answer.body, { error: { code: 400, message } });
    assert.deepEqual(shapeProblems('error', answer.body), []);
  }
});

test('broken JSON is a 400 "Internal Error"; a body that is not JSON at all is an empty object', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  const post = (contentType: string, body: string) =>
    fetch(`${npm.apiUrl}/api/tokens`, { method: 'POST', headers: { 'content-type': contentType }, body });
  for (const broken of ['{"identity":', '"just a string"']) {
    const response = await post('application/json', broken);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: { code: 400, message: 'Internal Error' } });
  }
  const text = await post('text/plain', `identity=${EMAIL}`);
  assert.deepEqual(await text.json(), {
    error: { code: 400, message: "data must have required property 'identity', data must have required property 'secret'" },
  });
});

test('refreshing with a valid token answers a new token; ?expiry sets its life', async (t) => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');
  const npm = await startNpm({ now: () => now });
  t.after(() => npm.close());
  const token = await npm.login();
  const fresh = await npm.call('GET', '/api/tokens', { token });
  assert.equal(fresh.status, 200);
  assert.deepEqual(shapeProblems('token-object', fresh.body), []);
  assert.notEqual(fresh.body.token, token);
  const hour = await npm.call('GET', '/api/tokens?expiry=2h', { token: fresh.body.token });
  assert.equal(hour.body.expires, new Date(now + 2 * 3_600_000).toISOString());
  const bad = await npm.call('GET', '/api/tokens?expiry=forever', { token });
  assert.deepEqual(bad, { status: 400, body: { error: { code: 400, message: 'Invalid expiry time: forever' } }, text: bad.text });
});

test('expiry units M and Q show why only d/h/m are safe: M is a month in `expires` but a minute in the JWT', async (t) => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');
  const npm = await startNpm({ now: () => now });
  t.after(() => npm.close());
  const token = await npm.login();
  const month = await npm.call('GET', '/api/tokens?expiry=1M', { token });
  assert.equal(month.body.expires, '2026-04-01T10:00:00.000Z');
  const claims = JSON.parse(Buffer.from(month.body.token.split('.')[1], 'base64url').toString());
  assert.equal(claims.exp - claims.iat, 60);
  const quarter = await npm.call('GET', '/api/tokens?expiry=1Q', { token });
  assert.equal(quarter.status, 500);
  assert.deepEqual(quarter.body, { error: { message: 'Internal Error' } });
});

test('an expired token answers 400 "Token has expired" (not 401), and a fresh login works again', async (t) => {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  const npm = await startNpm({ now: () => now, tokenTtlMs: 60_000 });
  t.after(() => npm.close());
  const token = await npm.login();
  assert.equal((await npm.call('GET', '/api/nginx/proxy-hosts', { token })).status, 200);
  now += 60_000;
  for (const [method, path] of [['GET', '/api/nginx/proxy-hosts'], ['GET', '/api/tokens'], ['GET', '/api/nginx/certificates']] as const) {
    const expired = await npm.call(method, path, { token });
    assert.equal(expired.status, 400, path);
    assert.equal(expired.body.error.code, 400);
    assert.equal(expired.body.error.message, 'Token has expired');
  }
  const again = await npm.login();
  assert.equal((await npm.call('GET', '/api/nginx/proxy-hosts', { token: again })).status, 200);
});

test('expireTokens() expires every token issued so far, not the ones issued after', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  const old = await npm.login();
  npm.sim.expireTokens();
  assert.deepEqual((await npm.call('GET', '/api/nginx/proxy-hosts', { token: old })).body, {
    error: { code: 400, message: 'Token has expired' },
  });
  const fresh = await npm.login();
  assert.equal((await npm.call('GET', '/api/nginx/proxy-hosts', { token: fresh })).status, 200);
});

test('a malformed or forged token is a 500 without a code; a missing one a 404', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  const token = await npm.login();
  const [head, payload] = token.split('.');
  for (const bad of ['not-a-jwt', `${head}.${payload}.forged`]) {
    const answer = await npm.call('GET', '/api/nginx/proxy-hosts', { token: bad });
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.body, { error: { message: 'Internal Error' } });
  }
  const missing = await npm.call('GET', '/api/nginx/proxy-hosts', { token: null });
  assert.deepEqual(missing.body, { error: { code: 404, message: 'Not Found - /api/nginx/proxy-hosts' } });
  assert.equal(missing.status, 404);
  // Only the exact `Bearer` prefix counts: anything else is no token at all.
  const basic = await fetch(`${npm.apiUrl}/api/nginx/proxy-hosts`, { headers: { authorization: `bearer ${token}` } });
  assert.equal(basic.status, 404);
  const refresh = await npm.call('GET', '/api/tokens', { token: null });
  assert.deepEqual(refresh.body, { error: { code: 400, message: 'Internal Error' } });
});

test('the health check answers without a token, with the version', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  const answer = await npm.call('GET', '/api', { token: null });
  assert.deepEqual(answer.body, { status: 'OK', setup: true, version: { major: 2, minor: 15, revision: 1 } });
});

test('an unknown API path answers NPM\'s catch-all 404', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  const token = await npm.login();
  const answer = await npm.call('GET', '/api/nginx/streams', { token });
  assert.deepEqual({ status: answer.status, body: answer.body }, {
    status: 404,
    body: { error: { code: 404, message: 'Not Found - /api/nginx/streams' } },
  });
});

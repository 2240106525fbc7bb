import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHarness, errorOf, siteBody } from './harness.js';

const h = createHarness();
test.after(() => h.close());

async function rejected(url: string, payload: unknown): Promise<Record<string, unknown>> {
  const response = await h.call({ method: 'POST', url, payload: payload as Record<string, unknown> });
  assert.equal(response.statusCode, 400, `${url} ${JSON.stringify(payload)} → ${response.body}`);
  const error = errorOf(response);
  assert.equal(error.code, 'VALIDATION_FAILED');
  return error;
}

const createCases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
  ['a service_id starting with a dash', siteBody('-abc'), 'service_id'],
  ['a service_id with a slash', siteBody('a/b'), 'service_id'],
  ['a 65-character service_id', siteBody('a'.repeat(65)), 'service_id'],
  ['a zero service_id', siteBody(0), 'service_id'],
  ['a negative service_id', siteBody(-4), 'service_id'],
  ['a fractional service_id', siteBody(1.5), 'service_id'],
  ['a boolean service_id', siteBody(1, { service_id: true }), 'service_id'],
  ['a null service_id', siteBody(1, { service_id: null }), 'service_id'],
  ['an e-mail without @', siteBody(1, { email: 'jane.example.com' }), 'email'],
  ['an e-mail with whitespace', siteBody(1, { email: 'ja ne@example.com' }), 'email'],
  ['an e-mail without a dotted domain', siteBody(1, { email: 'jane@localhost' }), 'email'],
  ['an e-mail with a control character', siteBody(1, { email: 'jane\u0007@example.com' }), 'email'],
  ['an e-mail over 254 characters', siteBody(1, { email: `${'a'.repeat(250)}@example.com` }), 'email'],
  ['a numeric e-mail', siteBody(1, { email: 12345 }), 'email'],
  ['a public_ip with three octets', siteBody(1, { public_ip: '203.0.113' }), 'public_ip'],
  ['a public_ip with an octet over 255', siteBody(1, { public_ip: '203.0.113.256' }), 'public_ip'],
  ['an IPv6 public_ip', siteBody(1, { public_ip: '2001:db8::1' }), 'public_ip'],
  ['an oversized public_ip', siteBody(1, { public_ip: '1'.repeat(1000) }), 'public_ip'],
  ['an empty plan', siteBody(1, { plan: '' }), 'plan'],
  ['a numeric plan', siteBody(1, { plan: 3 }), 'plan'],
  ['an oversized plan', siteBody(1, { plan: 'p'.repeat(65) }), 'plan'],
  ['an unknown extra property', siteBody(1, { coupon: 'FREE' }), 'coupon'],
];

for (const [what, body, field] of createCases) {
  test(`create-site refuses ${what} with a 400 naming ${field}`, async () => {
    const error = await rejected('/create-site', body);
    assert.equal(error.field, field);
    assert.match(String(error.message), new RegExp(`^${field}`));
  });
}

for (const field of ['service_id', 'email', 'plan', 'public_ip']) {
  test(`create-site without ${field} is a 400 naming it`, async () => {
    const body = Object.fromEntries(Object.entries(siteBody(1)).filter(([key]) => key !== field));
    assert.equal((await rejected('/create-site', body)).field, field);
  });
}

test('a body that is not a JSON object is a 400 naming the body', async () => {
  for (const payload of [[1, 2], 'text', 42]) {
    const response = await h.call({ method: 'POST', url: '/create-site', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    assert.equal(response.statusCode, 400);
    assert.equal(errorOf(response).field, 'body');
  }
});

test('an unknown plan is a 422 naming plan and listing the known plans', async () => {
  const response = await h.call({ method: 'POST', url: '/create-site', payload: siteBody(1, { plan: 'platinum' }) });
  assert.equal(response.statusCode, 422);
  const error = errorOf(response);
  assert.equal(error.code, 'UNKNOWN_PLAN');
  assert.equal(error.field, 'plan');
  assert.match(String(error.message), /basic, premium, business/);
  assert.equal(h.stack.registry.get('1'), undefined);
});

for (const url of ['/suspend', '/unsuspend', '/delete-site']) {
  test(`${url} refuses a missing, malformed or extra field naming it`, async () => {
    assert.equal((await rejected(url, {})).field, 'service_id');
    assert.equal((await rejected(url, { service_id: 'bad id' })).field, 'service_id');
    assert.equal((await rejected(url, { service_id: 5, force: true })).field, 'force');
  });
}

test('customdomain/add refuses missing, oversized and extra fields naming them', async () => {
  assert.equal((await rejected('/customdomain/add', { service_id: 5 })).field, 'domain');
  assert.equal((await rejected('/customdomain/add', { domain: 'shop.example.com' })).field, 'service_id');
  assert.equal((await rejected('/customdomain/add', { service_id: 5, domain: `${'a'.repeat(250)}.com` })).field, 'domain');
  assert.equal((await rejected('/customdomain/add', { service_id: 5, domain: 'shop.example.com', ttl: 60 })).field, 'ttl');
});

test('a body over the limit is a 413 PAYLOAD_TOO_LARGE', async () => {
  const response = await h.call({ method: 'POST', url: '/create-site', payload: siteBody(1, { padding: 'x'.repeat(17 * 1024) }) });
  assert.equal(response.statusCode, 413);
  assert.equal(errorOf(response).code, 'PAYLOAD_TOO_LARGE');
});

test('malformed JSON is a 400 with a JSON error', async () => {
  const response = await h.call({ method: 'POST', url: '/create-site', headers: { 'content-type': 'application/json' }, payload: '{"service_id": 1,' });
  assert.equal(response.statusCode, 400);
  assert.equal(errorOf(response).code, 'VALIDATION_FAILED');
  assert.equal(errorOf(response).field, 'body');
});

test('a body that is not JSON is a 415 with a JSON error', async () => {
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
    const response = await h.call({ method: 'POST', url: '/create-site', headers: { 'content-type': contentType }, payload: 'service_id=1' });
    assert.equal(response.statusCode, 415, contentType);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(errorOf(response).field, 'content-type');
  }
});

test('an unknown route is a 404 with a JSON error', async () => {
  const response = await h.call({ method: 'GET', url: '/wp-login.php?user=admin' });
  assert.equal(response.statusCode, 404);
  assert.deepEqual(errorOf(response), { code: 'NOT_FOUND', message: 'no route GET /wp-login.php' });
});

test('an Idempotency-Key that is too long or not printable ASCII is a 400 naming the header', async () => {
  for (const key of ['k'.repeat(201), 'clé']) {
    const response = await h.call({ method: 'POST', url: '/create-site', headers: { 'idempotency-key': key }, payload: siteBody(1) });
    assert.equal(response.statusCode, 400);
    assert.equal(errorOf(response).field, 'Idempotency-Key');
  }
  assert.equal(h.stack.registry.get('1'), undefined);
});

test('a smaller configured body limit is honoured', async (t) => {
  const small = createHarness({ app: { bodyLimit: 256 } });
  t.after(() => small.close());
  const ok = await small.call({ method: 'POST', url: '/create-site', payload: siteBody(2) });
  assert.equal(ok.statusCode, 201);
  const big = await small.call({ method: 'POST', url: '/create-site', payload: siteBody(3, { email: `${'a'.repeat(240)}@example.com` }) });
  assert.equal(big.statusCode, 413);
});

test('a path that is not valid percent-encoding is a 400 with a JSON error', async () => {
  const response = await h.call({ method: 'GET', url: '/v1/services/%E0%A4%A' });
  assert.equal(response.statusCode, 400);
  assert.equal(errorOf(response).field, 'path');
});

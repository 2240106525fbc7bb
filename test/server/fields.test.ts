import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';
import { checkEmail, checkPlan, checkPublicIp, idempotencyKeyOf, normaliseDomain, serviceIdOf } from '../../src/server/fields.js';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error.field;
  }
  assert.fail('expected the call to throw');
}

test('integer and string service ids become the same string', () => {
  assert.equal(serviceIdOf(42), '42');
  assert.equal(serviceIdOf('42'), '42');
});

test('ordinary e-mail addresses pass and malformed ones name the email field', () => {
  assert.equal(checkEmail('jane.doe+shop@example.co.uk'), 'jane.doe+shop@example.co.uk');
  for (const bad of ['jane', 'jane@localhost', 'ja ne@example.com', 'jane@@example.com', 'a@b@example.com', 'jane@example..com', 'jane@example.com\n', `${'a'.repeat(250)}@x.io`]) {
    assert.equal(fieldOf(() => checkEmail(bad)), 'email', bad);
  }
});

test('public_ip must be a dotted-quad IPv4 address', () => {
  assert.equal(checkPublicIp('203.0.113.7'), '203.0.113.7');
  for (const bad of ['203.0.113', '256.1.1.1', '::1', '203.0.113.07x']) assert.equal(fieldOf(() => checkPublicIp(bad)), 'public_ip');
});

test('an unknown plan is UNKNOWN_PLAN and its message lists the known plans', () => {
  assert.equal(checkPlan('basic', ['basic', 'premium']), 'basic');
  assert.throws(
    () => checkPlan('gold', ['basic', 'premium']),
    (error: unknown) => error instanceof AppError && error.code === 'UNKNOWN_PLAN' && error.field === 'plan' && /basic, premium/.test(error.message),
  );
});

test('domains are lower-cased and internationalised names become punycode', () => {
  assert.equal(normaliseDomain('Shop.Example.COM'), 'shop.example.com');
  assert.equal(normaliseDomain('Bücher.de'), 'xn--bcher-kva.de');
  assert.equal(normaliseDomain('a-b.c-d.example'), 'a-b.c-d.example');
});

test('anything that is not a plain hostname is refused naming the domain field', () => {
  const bad = [
    'localhost',
    'example.com.',
    '-shop.example.com',
    'shop-.example.com',
    'a..example.com',
    'shop_1.example.com',
    'shop example.com',
    ' example.com',
    'foo%2eexample.com',
    'example.com/path',
    'user@example.com',
    '203.0.113.7',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(127)}com`,
  ];
  for (const domain of bad) assert.equal(fieldOf(() => normaliseDomain(domain)), 'domain', domain);
});

test('the Idempotency-Key header is optional, printable ASCII and at most 200 characters', () => {
  assert.equal(idempotencyKeyOf({}), undefined);
  assert.equal(idempotencyKeyOf({ 'idempotency-key': 'delivery-17' }), 'delivery-17');
  assert.equal(idempotencyKeyOf({ 'idempotency-key': 'k'.repeat(200) }), 'k'.repeat(200));
  for (const bad of ['', 'k'.repeat(201), 'tab\tkey', 'clé']) {
    assert.equal(fieldOf(() => idempotencyKeyOf({ 'idempotency-key': bad })), 'Idempotency-Key', JSON.stringify(bad));
  }
});

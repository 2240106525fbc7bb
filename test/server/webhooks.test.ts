import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';
import { succeedingEffects } from '../support/stack.js';
import { createHarness, errorOf, siteBody } from './harness.js';

test('create-site answers 201 with the seed fields once allocation is committed', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const response = await h.call({ method: 'POST', url: '/create-site', payload: siteBody(101, { email: 'Jane.Doe@example.com' }) });
  assert.equal(response.statusCode, 201);
  const body = response.json();
  assert.equal(body.success, true);
  assert.equal(body.service_id, '101');
  assert.equal(body.subdomain, 'jane-doe');
  assert.equal(typeof body.vmid, 'number');
  assert.match(body.private_ip, /^127\.0\.10\.\d+$/);
  assert.equal(typeof body.state, 'string');
  assert.deepEqual(Object.keys(body).sort(), ['private_ip', 'service_id', 'state', 'subdomain', 'success', 'vmid']);
});

test('a repeated create-site answers 200 with the same service, whether the id is an integer or a string', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const first = (await h.call({ method: 'POST', url: '/create-site', payload: siteBody(7) })).json();
  const again = await h.call({ method: 'POST', url: '/create-site', payload: siteBody('7') });
  assert.equal(again.statusCode, 200);
  const body = again.json();
  assert.deepEqual([body.vmid, body.private_ip, body.subdomain], [first.vmid, first.private_ip, first.subdomain]);
  assert.equal(h.stack.registry.list({ limit: 10 }).length, 1);
});

test('a delivery repeated with its Idempotency-Key gets the first answer', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const headers = { 'idempotency-key': 'paymenter-job-81' };
  const first = await h.call({ method: 'POST', url: '/create-site', headers, payload: siteBody(8) });
  const again = await h.call({ method: 'POST', url: '/create-site', headers, payload: siteBody(8) });
  assert.equal(first.statusCode, 201);
  // The key replays the first outcome, "created" included.
  assert.equal(again.statusCode, 201);
  assert.equal(again.json().vmid, first.json().vmid);
});

test('suspend, unsuspend and delete-site drive the service and answer its state', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(20) });
  await h.settled('20', 'active');

  const suspended = await h.call({ method: 'POST', url: '/suspend', payload: { service_id: 20 } });
  assert.equal(suspended.statusCode, 200);
  assert.deepEqual(Object.keys(suspended.json()).sort(), ['service_id', 'state', 'success']);
  assert.equal(suspended.json().service_id, '20');
  await h.settled('20', 'suspended');

  const resumed = await h.call({ method: 'POST', url: '/unsuspend', payload: { service_id: '20' } });
  assert.equal(resumed.statusCode, 200);
  await h.settled('20', 'active');

  const deleted = await h.call({ method: 'POST', url: '/delete-site', payload: { service_id: 20 } });
  assert.equal(deleted.statusCode, 200);
  assert.equal(deleted.json().success, true);
  await h.settled('20', 'deleted');

  // Paymenter may terminate twice: "already gone" is a success.
  const again = await h.call({ method: 'POST', url: '/delete-site', payload: { service_id: 20 } });
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().state, 'deleted');
});

test('lifecycle webhooks for an unknown service answer 404', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  for (const url of ['/suspend', '/unsuspend', '/delete-site']) {
    const response = await h.call({ method: 'POST', url, payload: { service_id: 999 } });
    assert.equal(response.statusCode, 404, url);
    assert.equal(errorOf(response).code, 'NOT_FOUND');
  }
});

test('customdomain/add answers 202 with the normalised domain and the TXT record to publish', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(30) });
  await h.settled('30', 'active');
  const response = await h.call({ method: 'POST', url: '/customdomain/add', payload: { service_id: 30, domain: 'Shop.Bücher.DE' } });
  assert.equal(response.statusCode, 202);
  const body = response.json();
  assert.equal(body.success, true);
  assert.equal(body.service_id, '30');
  assert.equal(body.domain, 'shop.xn--bcher-kva.de');
  assert.equal(typeof body.state, 'string');
  assert.equal(body.verification.type, 'TXT');
  assert.equal(typeof body.verification.name, 'string');
  assert.ok(body.verification.value.length > 0);
});

test('customdomain/add refuses a malformed domain naming the field, and an unknown service with 404', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const bad = await h.call({ method: 'POST', url: '/customdomain/add', payload: { service_id: 30, domain: 'not a domain' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(errorOf(bad).field, 'domain');
  const unknown = await h.call({ method: 'POST', url: '/customdomain/add', payload: { service_id: 31, domain: 'shop.example.com' } });
  assert.equal(unknown.statusCode, 404);
});

test('status answers the service in snake_case with its recent transitions, and 404 for an unknown id', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(40) });
  await h.settled('40', 'active');
  const response = await h.call({ method: 'GET', url: '/status?service_id=40' });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.equal(body.success, true);
  assert.equal(body.service.service_id, '40');
  assert.equal(body.service.state, 'active');
  assert.equal(body.service.fqdn, `${body.service.subdomain}.sites.test`);
  for (const key of ['public_ip', 'private_ip', 'domain_quota', 'created_at', 'updated_at', 'busy', 'healthy', 'desired', 'failure', 'domains']) {
    assert.ok(key in body.service, key);
  }
  assert.ok(body.transitions.length > 0 && body.transitions.length <= 20);
  const seqs = body.transitions.map((transition: { seq: number }) => transition.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(body.transitions.at(-1).to.split('.')[0], 'active');

  const unknown = await h.call({ method: 'GET', url: '/status?service_id=41' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(errorOf(unknown).code, 'NOT_FOUND');
  const missing = await h.call({ method: 'GET', url: '/status' });
  assert.equal(missing.statusCode, 400);
  assert.equal(errorOf(missing).field, 'service_id');
});

test('a service whose effects keep failing reports its failure on status', async (t) => {
  const h = createHarness({
    stack: {
      effects: {
        ...succeedingEffects(),
        installWordPress: async () => {
          throw new AppError('INTERNAL', 'installer exited 1');
        },
      },
    },
  });
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(50) });
  await h.settled('50', 'failed');
  const body = (await h.call({ method: 'GET', url: '/status?service_id=50' })).json();
  assert.equal(body.service.failure.step, 'install');
  assert.equal(body.service.failure.message, 'installer exited 1');
  assert.ok(body.transitions.some((transition: { error: unknown }) => transition.error !== null));
});

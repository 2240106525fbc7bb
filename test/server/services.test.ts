import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';
import { succeedingEffects } from '../support/stack.js';
import { createHarness, errorOf, siteBody } from './harness.js';

test('the service list pages with a cursor until a short page ends it', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
  for (const id of ids) await h.call({ method: 'POST', url: '/create-site', payload: siteBody(id) });

  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const url: string = `/v1/services?limit=2${after === null ? '' : `&after=${after}`}`;
    const response = await h.call({ method: 'GET', url });
    assert.equal(response.statusCode, 200);
    const body = response.json() as { services: { service_id: string }[]; next: string | null };
    seen.push(...body.services.map((service) => service.service_id));
    after = body.next;
    pages++;
  } while (after !== null && pages < 10);
  assert.deepEqual([...seen].sort(), ids);
  assert.equal(new Set(seen).size, ids.length);
});

test('the service list filters by state and defaults to 100 entries', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody('b1') });
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody('b2') });
  await h.settled('b1', 'active');
  await h.settled('b2', 'active');
  await h.call({ method: 'POST', url: '/v1/services/b2/suspend' });
  await h.settled('b2', 'suspended');

  const active = (await h.call({ method: 'GET', url: '/v1/services?state=active' })).json();
  assert.deepEqual(active.services.map((service: { service_id: string }) => service.service_id), ['b1']);
  assert.equal(active.next, null);
  const all = (await h.call({ method: 'GET', url: '/v1/services' })).json();
  assert.equal(all.services.length, 2);
  assert.equal(all.services[0].private_ip.startsWith('127.0.10.'), true);
});

test('list parameters out of range are 400s naming the parameter', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  for (const [query, field] of [
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['after=-x', 'after'],
    ['state=Active%20now', 'state'],
  ] as const) {
    const response = await h.call({ method: 'GET', url: `/v1/services?${query}` });
    assert.equal(response.statusCode, 400, query);
    assert.equal(errorOf(response).field, field, query);
  }
});

test('showing a service returns it with its transitions, 404 when unknown, 400 for a malformed id', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(60) });
  await h.settled('60', 'active');
  const response = await h.call({ method: 'GET', url: '/v1/services/60' });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.equal(body.service.service_id, '60');
  assert.ok(body.transitions.length > 0);
  assert.deepEqual(Object.keys(body.transitions[0]).sort(), ['at', 'error', 'event', 'from', 'seq', 'service_id', 'step', 'to']);

  assert.equal((await h.call({ method: 'GET', url: '/v1/services/61' })).statusCode, 404);
  const malformed = await h.call({ method: 'GET', url: '/v1/services/bad%20id' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(errorOf(malformed).field, 'service_id');
});

test('retrying a service that has not failed is a 409 that reports its current state', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(62) });
  await h.settled('62', 'active');
  const response = await h.call({ method: 'POST', url: '/v1/services/62/retry' });
  assert.equal(response.statusCode, 409);
  const error = errorOf(response);
  assert.equal(error.code, 'STATE_CONFLICT');
  assert.equal(error.state, 'active');
});

test('retrying a failed service resumes it to active', async (t) => {
  let installs = 0;
  const h = createHarness({
    stack: {
      effects: {
        ...succeedingEffects(),
        installWordPress: async () => {
          installs++;
          if (installs === 1) throw new AppError('INTERNAL', 'installer exited 1');
        },
      },
    },
  });
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(63) });
  await h.settled('63', 'failed');
  const response = await h.call({ method: 'POST', url: '/v1/services/63/retry' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.json().success, true);
  await h.settled('63', 'active');
});

test('suspend, unsuspend and delete by path answer like the webhooks', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody(64) });
  await h.settled('64', 'active');
  for (const [action, state] of [
    ['suspend', 'suspended'],
    ['unsuspend', 'active'],
    ['delete', 'deleted'],
  ] as const) {
    const response = await h.call({ method: 'POST', url: `/v1/services/64/${action}` });
    assert.equal(response.statusCode, 200, action);
    assert.deepEqual(Object.keys(response.json()).sort(), ['service_id', 'state', 'success']);
    await h.settled('64', state);
  }
  assert.equal((await h.call({ method: 'POST', url: '/v1/services/65/suspend' })).statusCode, 404);
});

test('custom domains are added and removed by path, with quota and ownership conflicts as 409s', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  for (const id of ['70', '71']) {
    await h.call({ method: 'POST', url: '/create-site', payload: siteBody(id) });
    await h.settled(id, 'active');
  }
  const added = await h.call({ method: 'POST', url: '/v1/services/70/domains', payload: { domain: 'WWW.Example.org' } });
  assert.equal(added.statusCode, 202);
  assert.equal(added.json().domain, 'www.example.org');
  assert.equal(added.json().verification.type, 'TXT');

  const taken = await h.call({ method: 'POST', url: '/v1/services/71/domains', payload: { domain: 'www.example.org' } });
  assert.equal(taken.statusCode, 409);
  assert.equal(errorOf(taken).code, 'DOMAIN_TAKEN');

  for (const domain of ['a.example.org', 'b.example.org']) {
    assert.equal((await h.call({ method: 'POST', url: '/v1/services/70/domains', payload: { domain } })).statusCode, 202);
  }
  const over = await h.call({ method: 'POST', url: '/v1/services/70/domains', payload: { domain: 'c.example.org' } });
  assert.equal(over.statusCode, 409);
  assert.equal(errorOf(over).code, 'DOMAIN_QUOTA_EXCEEDED');
  assert.equal(errorOf(over).quota, 3);

  const removed = await h.call({ method: 'DELETE', url: '/v1/services/70/domains/WWW.example.org' });
  assert.equal(removed.statusCode, 202);
  assert.equal(removed.json().domain, 'www.example.org');
  const unknown = await h.call({ method: 'DELETE', url: '/v1/services/70/domains/nope.example.org' });
  assert.equal(unknown.statusCode, 404);
  const malformed = await h.call({ method: 'DELETE', url: '/v1/services/70/domains/not_a_domain' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(errorOf(malformed).field, 'domain');
  const extra = await h.call({ method: 'POST', url: '/v1/services/70/domains', payload: { domain: 'd.example.org', service_id: 70 } });
  assert.equal(extra.statusCode, 400);
  assert.equal(errorOf(extra).field, 'service_id');
});

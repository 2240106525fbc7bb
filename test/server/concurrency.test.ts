import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHarness, siteBody } from './harness.js';

test('twenty concurrent create-site calls for one id make one service and all answer the same allocation', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => h.call({ method: 'POST', url: '/create-site', payload: siteBody(i % 2 === 0 ? 500 : '500') })),
  );
  const statuses = responses.map((response) => response.statusCode);
  assert.equal(statuses.filter((status) => status === 201).length, 1, String(statuses));
  assert.equal(statuses.filter((status) => status === 200).length, 19, String(statuses));
  const allocations = new Set(responses.map((response) => JSON.stringify([response.json().vmid, response.json().private_ip, response.json().subdomain])));
  assert.equal(allocations.size, 1);
  assert.equal(h.stack.registry.list({ limit: 100 }).length, 1);
});

test('a hundred concurrent create-site calls for distinct ids get distinct addresses, VMIDs and subdomains', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  // One e-mail for all of them: every subdomain after the first needs a collision suffix.
  const responses = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      h.call({ method: 'POST', url: '/create-site', payload: siteBody(1000 + i, { email: 'shop@example.com' }) }),
    ),
  );
  assert.deepEqual(new Set(responses.map((response) => response.statusCode)), new Set([201]));
  const bodies = responses.map((response) => response.json() as { vmid: number; private_ip: string; subdomain: string });
  for (const key of ['vmid', 'private_ip', 'subdomain'] as const) {
    assert.equal(new Set(bodies.map((body) => body[key])).size, 100, key);
  }
  assert.equal(h.stack.registry.list({ limit: 500 }).length, 100);
});

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { rejects } from '../support/rejects.js';
import { createTestStack, waitFor } from '../support/stack.js';

const create = (serviceId: string, email = `c${serviceId}@example.com`) => ({ type: 'create' as const, serviceId, email, plan: 'basic', publicIp: '203.0.113.10' });

describe('registry commands', () => {
  const stack = createTestStack();
  after(() => stack.close());

  it('creates once per service id and answers repeats with the same allocation', () => {
    const first = stack.registry.execute(create('1', 'customer@example.com'));
    const again = stack.registry.execute(create('1', 'customer@example.com'));
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(first.service.subdomain, 'customer');
    assert.deepEqual([again.service.vmid, again.service.privateIp], [first.service.vmid, first.service.privateIp]);
  });

  it('gives a colliding e-mail local part a suffixed subdomain', () => {
    const other = stack.registry.execute(create('2', 'customer@elsewhere.example'));
    assert.match(other.service.subdomain, /^customer-[a-z0-9]{4}$/);
  });

  it('rejects an unknown plan with the plan as the field', () => {
    const error = rejects(() => stack.registry.execute({ ...create('3'), plan: 'gold' }), 'UNKNOWN_PLAN');
    assert.equal(error.field, 'plan');
    assert.equal(stack.registry.get('3'), undefined);
  });

  it('answers 404-style NOT_FOUND for an unknown service and STATE_CONFLICT with the state otherwise', async () => {
    rejects(() => stack.registry.execute({ type: 'suspend', serviceId: 'nope' }), 'NOT_FOUND');
    await waitFor(() => stack.registry.get('1')?.state === 'active');
    const conflict = rejects(() => stack.registry.execute({ type: 'retry', serviceId: '1' }), 'STATE_CONFLICT');
    assert.equal(conflict.details?.state, 'active');
  });

  it('enforces the custom-domain quota and one owner per domain', async () => {
    for (const domain of ['a.example.org', 'b.example.org', 'c.example.org']) stack.registry.execute({ type: 'domain.add', serviceId: '1', domain });
    const quota = rejects(() => stack.registry.execute({ type: 'domain.add', serviceId: '1', domain: 'd.example.org' }), 'DOMAIN_QUOTA_EXCEEDED');
    assert.equal(quota.details?.quota, 3);
    await waitFor(() => stack.registry.get('2')?.state === 'active');
    rejects(() => stack.registry.execute({ type: 'domain.add', serviceId: '2', domain: 'a.example.org' }), 'DOMAIN_TAKEN');
    const view = stack.registry.execute({ type: 'domain.add', serviceId: '1', domain: 'a.example.org' }).service;
    assert.equal(view.domains.length, 3, 'adding a domain the service already has changes nothing');
    assert.equal(view.domains[0]?.verification.name, '_provisiond-challenge.a.example.org');
  });

  it('answers a repeated idempotency key with the first outcome, errors included', () => {
    const key = { idempotencyKey: 'delivery-42' };
    const first = stack.registry.execute(create('4'), key);
    const again = stack.registry.execute(create('4'), key);
    assert.equal(first.created, true);
    assert.equal(again.created, true, 'the stored outcome, not a fresh evaluation');
    rejects(() => stack.registry.execute({ type: 'retry', serviceId: 'missing' }, { idempotencyKey: 'k2' }), 'NOT_FOUND');
    rejects(() => stack.registry.execute({ type: 'retry', serviceId: 'missing' }, { idempotencyKey: 'k2' }), 'NOT_FOUND');
    // The same key for another request is refused, not answered with the first one's outcome.
    const reused = rejects(() => stack.registry.execute({ type: 'suspend', serviceId: '4' }, key), 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(reused.field, 'Idempotency-Key');
    assert.equal(stack.registry.get('4')?.desired, 'running', 'nothing was applied');
  });

  it('treats deleting a deleted service as done and refuses anything else on it', async () => {
    stack.registry.execute({ type: 'delete', serviceId: '4' });
    await waitFor(() => stack.registry.get('4')?.state === 'deleted');
    assert.equal(stack.registry.execute({ type: 'delete', serviceId: '4' }).service.state, 'deleted');
    const conflict = rejects(() => stack.registry.execute({ type: 'suspend', serviceId: '4' }), 'SERVICE_DELETED');
    assert.equal(conflict.details?.state, 'deleted');
    assert.equal(stack.store.services.allocation('4'), undefined, 'the allocation went back to the pool');
    // pending, allocating, then the delete's way down: the rows outlive the service.
    assert.deepEqual(stack.registry.recentTransitions('4', 100).at(-1)?.to, 'deleted', 'the audit trail stays');
    assert.ok(stack.registry.recentTransitions('4', 100).length >= 3, 'the audit trail stays');
  });

  it('answers an exhausted pool with IP_POOL_EXHAUSTED and writes nothing', () => {
    const small = createTestStack({ pool: { ipPool: { first: '127.0.20.1', last: '127.0.20.2' } } });
    try {
      small.registry.execute(create('a'));
      small.registry.execute(create('b'));
      const count = small.store.services.count();
      rejects(() => small.registry.execute(create('c')), 'IP_POOL_EXHAUSTED');
      assert.equal(small.store.services.count(), count);
      assert.equal(small.registry.get('c'), undefined);
    } finally {
      small.close();
    }
  });
});

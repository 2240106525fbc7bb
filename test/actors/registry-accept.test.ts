import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createTestStack, waitFor } from '../support/stack.js';

const create = (serviceId: string) => ({ type: 'create' as const, serviceId, email: `c${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10' });

describe('registry: accepting create-site', () => {
  it('commits the delivery, the service and its allocation, and answers before the actor starts', async () => {
    const stack = createTestStack();
    try {
      const outcome = stack.registry.execute(create('1'), { idempotencyKey: 'k1' });
      assert.equal(outcome.created, true);
      assert.equal(outcome.service.state, 'pending', 'recorded; the build has not begun');
      assert.ok(outcome.service.vmid >= 9000 && outcome.service.privateIp.startsWith('127.0.10.'));
      assert.equal(stack.store.inbox.incomplete().length, 0, 'the delivery completed in the same commit');
      assert.equal(stack.store.inbox.find('k1')?.outcome, JSON.stringify({ ok: true, created: true }), 'recorded with its outcome');
      assert.equal(stack.registry.execute(create('1'), { idempotencyKey: 'k1' }).created, true, 'the repeat is answered as the first was');
      assert.equal(stack.store.actors.load('1'), undefined, 'no snapshot yet');
      assert.equal(stack.registry.size, 0, 'no actor yet');
      await waitFor(() => stack.registry.get('1')?.state === 'active');
      const path = stack.registry.transitionsAfter(0, { serviceId: '1', limit: 2 }).map((t) => t.to);
      assert.deepEqual(path, ['pending', 'allocating.running'], 'the actor began where the accept left it');
    } finally {
      stack.close();
    }
  });

  it('starts a service first when a command for it overtakes its start', async () => {
    const stack = createTestStack();
    try {
      stack.registry.execute(create('2'));
      const deleted = stack.registry.execute({ type: 'delete', serviceId: '2' });
      assert.notEqual(deleted.service.state, 'pending', 'the delete reached a live actor');
      await waitFor(() => stack.registry.get('2')?.state === 'deleted');
      assert.equal(stack.store.services.allocation('2'), undefined);
    } finally {
      stack.close();
    }
  });

  it('loses no accepted service when the process stops before its actor starts', async () => {
    const first = createTestStack();
    first.registry.execute(create('3'));
    // Stopped in the same turn: the actor never started, only the rows exist.
    first.stop();
    await nextTurn();
    const second = createTestStack({ dir: first.dir, boot: false });
    try {
      const report = second.registry.boot();
      assert.equal(report.started, 1, 'started afresh from its record');
      await waitFor(() => second.registry.get('3')?.state === 'active');
    } finally {
      second.close();
    }
  });

  it('writes nothing for a refused create, and the refusal is the stored outcome', () => {
    const stack = createTestStack({ pool: { ipPool: { first: '127.0.20.1', last: '127.0.20.1' } } });
    try {
      stack.registry.execute(create('4'));
      assert.throws(() => stack.registry.execute(create('5'), { idempotencyKey: 'k5' }), /IP/);
      assert.equal(stack.registry.get('5'), undefined);
      assert.throws(() => stack.registry.execute(create('5'), { idempotencyKey: 'k5' }), /IP/, 'the repeat is answered from the inbox');
      assert.equal(stack.store.inbox.incomplete().length, 0);
    } finally {
      stack.close();
    }
  });
});

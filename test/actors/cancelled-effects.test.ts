/**
 * A cancelled effect whose write is still on the wire must land before anything else of the
 * same service runs: compensation and deletion look resources up by tag, and would miss it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { CancelledEffects } from '../../src/actors/cancelled-effects.js';
import { createTestStack, succeedingEffects, waitFor } from '../support/stack.js';

const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('CancelledEffects', () => {
  it('makes the next effect of the service wait until a cancelled one has settled', async () => {
    const cancelled = new CancelledEffects();
    const order: string[] = [];
    const first = new AbortController();
    const slowWrite = cancelled.run('s1', first.signal, async () => {
      await later(100); // a write that ignores the abort, as the clients' writes do
      order.push('write landed');
    });
    first.abort(new Error('state left'));
    assert.equal(cancelled.inFlight('s1'), 1);
    await cancelled.run('s1', new AbortController().signal, async () => void order.push('undo ran'));
    await slowWrite;
    assert.deepEqual(order, ['write landed', 'undo ran']);
    assert.equal(cancelled.inFlight('s1'), 0);
  });

  it('does not hold other services, nor effects whose signal never aborted', async () => {
    const cancelled = new CancelledEffects();
    const first = new AbortController();
    const slow = cancelled.run('s1', first.signal, () => later(200));
    first.abort();
    const started = Date.now();
    await cancelled.run('s2', new AbortController().signal, async () => undefined);
    assert.ok(Date.now() - started < 100, 'another service is not held up');
    await slow;
    await later(0); // the bookkeeping settles one turn after the effect
    assert.equal(cancelled.inFlight('s1'), 0, 'a settled effect is forgotten');
    const running = cancelled.run('s1', new AbortController().signal, () => later(50));
    assert.equal(cancelled.inFlight('s1'), 0, 'an effect that is not cancelled holds nobody');
    await running;
  });

  it('stops waiting when the waiting effect is itself cancelled, or the cap passes', async () => {
    const cancelled = new CancelledEffects(150);
    const stuck = new AbortController();
    void cancelled.run('s1', stuck.signal, () => new Promise(() => undefined));
    stuck.abort();
    const waiter = new AbortController();
    const waiting = cancelled.run('s1', waiter.signal, async () => 'ran');
    waiter.abort(new Error('left too'));
    await assert.rejects(waiting, { message: 'left too' });
    const started = Date.now();
    assert.equal(await cancelled.run('s1', new AbortController().signal, async () => 'ran'), 'ran');
    assert.ok(Date.now() - started >= 140, 'a write that never settles delays the next effect by the cap only');
  });
});

describe('compensation after a cancelled write, through the registry', () => {
  it('undoes the DNS record whose create was still on the wire when the proxy host failed', async () => {
    const records = new Set<string>();
    const stack = createTestStack({
      effects: {
        ...succeedingEffects(),
        // The create is slow and, like the real clients' writes, finishes even when cancelled.
        createDnsRecord: async ({ fqdn }) => {
          await later(150);
          records.add(fqdn);
        },
        deleteDnsRecord: async ({ fqdn }) => void records.delete(fqdn),
        createProxyHost: async () => {
          throw new AppError('UPSTREAM_REJECTED', 'NPM refused the host', { system: 'npm' });
        },
      },
    });
    try {
      stack.registry.execute({ type: 'create', serviceId: 'c1', email: 'cancel@example.com', plan: 'basic', publicIp: '203.0.113.10' });
      await waitFor(() => stack.registry.get('c1')?.state === 'failed', 5_000, 'failed');
      assert.equal(stack.registry.get('c1')?.failure?.step, 'proxyHost');
      assert.deepEqual([...records], [], 'the record that landed after the cancel was undone');
    } finally {
      stack.close();
    }
  });
});

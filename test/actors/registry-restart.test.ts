import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestStack, succeedingEffects, waitFor } from '../support/stack.js';
import type { TransitionRow } from '../../src/persistence/types.js';

const create = (serviceId: string) => ({ type: 'create' as const, serviceId, email: `owner${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10' });

/** Every service's chain of transitions continues where the previous row stopped. */
function assertContinuous(rows: TransitionRow[]): void {
  rows.forEach((row, i) => assert.equal(row.seq, i + 1, 'the transition log has no gaps'));
  const last = new Map<string, string>();
  for (const row of rows) {
    assert.equal(row.from, last.get(row.serviceId) ?? null, `service ${row.serviceId} continues from its last committed state`);
    last.set(row.serviceId, row.to);
  }
}

describe('the registry across a restart', () => {
  it('resumes every service from its last committed state and keeps the log gapless', async () => {
    const installs: string[] = [];
    const hanging = { ...succeedingEffects(), installWordPress: (input: { serviceId: string }) => { installs.push(input.serviceId); return new Promise<void>(() => {}); } };
    const first = createTestStack({ effects: hanging });
    const ids = ['101', '102', '103', '104', '105'];
    for (const id of ids) first.registry.execute(create(id));
    await waitFor(() => installs.length === ids.length, 5_000, 'every service to reach the installer');
    first.registry.execute({ type: 'suspend', serviceId: '103' });
    const before = first.store.transitions.lastSeq();
    first.stop();

    const second = createTestStack({ dir: first.dir });
    try {
      await waitFor(() => ids.every((id) => ['active', 'suspended'].includes(second.registry.get(id)?.state ?? '')), 5_000, 'services to finish');
      assert.equal(second.registry.get('103')?.state, 'suspended', 'the suspend requested before the restart was applied');
      for (const id of ids.filter((id) => id !== '103')) assert.equal(second.registry.get(id)?.state, 'active');
      const rows = second.store.transitions.after(0, { limit: 10_000 });
      assert.ok(rows.length > before);
      assertContinuous(rows);
    } finally {
      second.close();
    }
  });

  it('starts a service that was recorded but never got its first snapshot', async () => {
    const first = createTestStack({ boot: false });
    first.store.services.create({ serviceId: '77', email: 'late@example.com', plan: 'basic', publicIp: '203.0.113.10', domainQuota: 3 }, { ipPool: { first: '127.0.10.1', last: '127.0.10.9' }, vmidRange: { first: 100, last: 110 }, reservedSubdomains: [], random: Math.random }, Date.now());
    first.stop();
    const second = createTestStack({ dir: first.dir });
    try {
      await waitFor(() => second.registry.get('77')?.state === 'active', 5_000, 'the orphaned record to be provisioned');
    } finally {
      second.close();
    }
  });

  it('replays a delivery that was accepted but never applied before a crash', async () => {
    const first = createTestStack();
    first.registry.execute(create('55'));
    await waitFor(() => first.registry.get('55')?.state === 'active');
    // The process died after recording the webhook and before applying it.
    first.store.inbox.accept({ idempotencyKey: null, serviceId: '55', command: JSON.stringify({ type: 'suspend', serviceId: '55' }) }, Date.now());
    first.stop();
    const second = createTestStack({ dir: first.dir, boot: false });
    try {
      const report = second.registry.boot();
      assert.equal(report.replayed, 1);
      await waitFor(() => second.registry.get('55')?.state === 'suspended', 5_000, 'the replayed suspend');
      assert.equal(second.store.inbox.incomplete().length, 0);
    } finally {
      second.close();
    }
  });

  it('refuses, loudly and without touching it, a snapshot written by another machine version', async () => {
    const first = createTestStack();
    first.registry.execute(create('66'));
    // The actor starts off the request path; its first commit follows shortly.
    await waitFor(() => first.store.actors.load('66') !== undefined);
    const stored = first.store.actors.load('66');
    assert.ok(stored);
    first.stop();
    const second = createTestStack({ dir: first.dir, boot: false });
    try {
      second.store.actors.commit({ serviceId: '66', machineVersion: 999, snapshot: stored.snapshot, final: false, state: 'provisioning', step: null, from: null, to: 'provisioning', event: 'test.rewrite', error: null, at: Date.now() });
      const report = second.registry.boot();
      assert.deepEqual(report.refused.map((r) => r.serviceId), ['66']);
      assert.match(report.refused[0]?.reason ?? '', /version 999/);
      assert.equal(second.registry.size, 0);
    } finally {
      second.close();
    }
  });
});

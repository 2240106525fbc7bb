/**
 * Operator commands through the real registry and SQLite: reinstall, restore, plan change,
 * domain retry, and the VMID check with Proxmox during allocation. Each refusal carries its
 * own code and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { rejects } from '../support/rejects.js';
import { createTestStack, succeedingDomainEffects, succeedingEffects, waitFor } from '../support/stack.js';

const create = (serviceId: string) => ({ type: 'create' as const, serviceId, email: `op${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10' });

describe('operator commands through the registry', () => {
  const calls: string[] = [];
  const effects = succeedingEffects();
  const recorded = {
    ...effects,
    reinstallWordPress: async () => void calls.push('reinstallWordPress'),
    restoreSnapshot: async () => void calls.push('restoreSnapshot'),
    resizeContainer: async (input: { memoryMb: number; diskGb: number; cores: number }) => void calls.push(`resize:${input.memoryMb}/${input.diskGb}/${input.cores}`),
  };
  let failCertificate = true;
  const stack = createTestStack({
    effects: recorded,
    domainEffects: {
      ...succeedingDomainEffects(),
      issueCertificate: async () => {
        if (failCertificate) throw new AppError('UPSTREAM_REJECTED', "Let's Encrypt refused the order", { system: 'npm' });
      },
    },
  });
  after(() => stack.close());
  const active = async (serviceId: string): Promise<void> => {
    await waitFor(() => stack.registry.get(serviceId)?.state === 'active', 5_000, `${serviceId} active`);
  };

  it('reinstalls and restores an active site, each ending active again', async () => {
    stack.registry.execute(create('r1'));
    await active('r1');
    assert.equal(stack.registry.get('r1')?.initialSnapshot, true);
    assert.equal(stack.registry.execute({ type: 'reinstall', serviceId: 'r1' }).service.state, 'reinstalling');
    await active('r1');
    assert.equal(stack.registry.execute({ type: 'restore', serviceId: 'r1' }).service.state, 'restoring');
    await active('r1');
    assert.deepEqual(calls.filter((c) => c === 'reinstallWordPress' || c === 'restoreSnapshot'), ['reinstallWordPress', 'restoreSnapshot']);
  });

  it('refuses a restore without an initial snapshot with SNAPSHOT_MISSING, changing nothing', async () => {
    const hanging = createTestStack({ effects: { ...succeedingEffects(), takeSnapshot: () => new Promise(() => undefined) } });
    try {
      hanging.registry.execute(create('h1'));
      await waitFor(() => hanging.registry.get('h1')?.step?.includes('snapshot') === true, 5_000, 'snapshot step');
      const before = hanging.registry.recentTransitions('h1', 100).length;
      rejects(() => hanging.registry.execute({ type: 'restore', serviceId: 'h1' }), 'SNAPSHOT_MISSING');
      assert.equal(hanging.registry.recentTransitions('h1', 100).length, before);
    } finally {
      hanging.close();
    }
  });

  it('changes plan: resizes to the new plan and the record and quota follow', async () => {
    stack.registry.execute(create('p1'));
    await active('p1');
    const outcome = stack.registry.execute({ type: 'changePlan', serviceId: 'p1', plan: 'premium' });
    assert.equal(outcome.service.state, 'resizing');
    await active('p1');
    assert.ok(calls.includes('resize:4096/40/2'));
    const record = stack.store.services.get('p1');
    assert.deepEqual([record?.plan, record?.domainQuota], ['premium', 5], 'the tracking record has the new plan');
    assert.equal(stack.registry.get('p1')?.plan, 'premium');
    const transitions = stack.registry.recentTransitions('p1', 100).length;
    assert.equal(stack.registry.execute({ type: 'changePlan', serviceId: 'p1', plan: 'premium' }).service.state, 'active', 'the same plan again is a no-op');
    assert.equal(stack.registry.recentTransitions('p1', 100).length, transitions);
  });

  it('refuses plans that cannot hold the site: unknown, smaller disk, fewer domains than attached', async () => {
    rejects(() => stack.registry.execute({ type: 'changePlan', serviceId: 'p1', plan: 'gold' }), 'UNKNOWN_PLAN');
    const shrink = rejects(() => stack.registry.execute({ type: 'changePlan', serviceId: 'p1', plan: 'basic' }), 'PLAN_TOO_SMALL');
    assert.equal(shrink.field, 'plan');
    assert.equal(shrink.details?.disk_gb, 40);
    assert.equal(stack.registry.get('p1')?.plan, 'premium', 'nothing changed');

    stack.registry.execute(create('p2'));
    await active('p2');
    failCertificate = false;
    for (const domain of ['one.example.org', 'two.example.org', 'three.example.org']) stack.registry.execute({ type: 'domain.add', serviceId: 'p2', domain });
    stack.registry.execute({ type: 'changePlan', serviceId: 'p2', plan: 'premium' });
    await active('p2');
    const fewer = rejects(() => stack.registry.execute({ type: 'changePlan', serviceId: 'p2', plan: 'basic' }), 'PLAN_TOO_SMALL');
    assert.equal(fewer.field, 'plan');
  });

  it('retries a failed custom domain, and refuses to retry one that has not failed', async () => {
    failCertificate = true;
    stack.registry.execute({ type: 'domain.add', serviceId: 'r1', domain: 'shop.example.org' });
    await waitFor(() => stack.registry.get('r1')?.domains.find((d) => d.domain === 'shop.example.org')?.state === 'failed', 5_000, 'domain failed');
    assert.equal(stack.registry.get('r1')?.state, 'active', 'a certificate failure leaves the site alone');
    rejects(() => stack.registry.execute({ type: 'domain.retry', serviceId: 'r1', domain: 'none.example.org' }), 'NOT_FOUND');
    failCertificate = false;
    stack.registry.execute({ type: 'domain.retry', serviceId: 'r1', domain: 'shop.example.org' });
    await waitFor(() => stack.registry.get('r1')?.domains.find((d) => d.domain === 'shop.example.org')?.state === 'active', 5_000, 'domain active');
    const conflict = rejects(() => stack.registry.execute({ type: 'domain.retry', serviceId: 'r1', domain: 'shop.example.org' }), 'STATE_CONFLICT');
    assert.equal(conflict.details?.state, 'active');
  });

  it('refuses every command but delete on a deleted service with SERVICE_DELETED', async () => {
    stack.registry.execute({ type: 'delete', serviceId: 'r1' });
    await waitFor(() => stack.registry.get('r1')?.state === 'deleted');
    for (const type of ['suspend', 'unsuspend', 'retry', 'reinstall', 'restore'] as const) {
      rejects(() => stack.registry.execute({ type, serviceId: 'r1' }), 'SERVICE_DELETED');
    }
    rejects(() => stack.registry.execute({ type: 'changePlan', serviceId: 'r1', plan: 'premium' }), 'SERVICE_DELETED');
    assert.equal(stack.registry.execute({ type: 'delete', serviceId: 'r1' }).service.state, 'deleted');
  });
});

describe('the VMID check with Proxmox', () => {
  it('skips VMIDs held by guests that are not ours, for good, keeping subdomain and IP', async () => {
    // Proxmox has hand-made guests on 9000 and 9001.
    const foreign = new Set([9000, 9001]);
    const asked: number[] = [];
    const stack = createTestStack({
      vmidFree: async ({ vmid }) => {
        asked.push(vmid);
        return !foreign.has(vmid);
      },
    });
    try {
      const accepted = stack.registry.execute(create('v1')).service;
      assert.equal(accepted.vmid, 9000, 'the database alone hands out the lowest number');
      await waitFor(() => stack.registry.get('v1')?.state === 'active');
      const moved = stack.registry.get('v1');
      assert.equal(moved?.vmid, 9002);
      assert.deepEqual([moved?.subdomain, moved?.privateIp], [accepted.subdomain, accepted.privateIp]);
      assert.deepEqual(asked, [9000, 9001, 9002]);

      asked.length = 0;
      const next = stack.registry.execute(create('v2')).service;
      assert.equal(next.vmid, 9003, 'known foreign VMIDs are never handed out again');
      await waitFor(() => stack.registry.get('v2')?.state === 'active');
      assert.deepEqual(asked, [9003]);
    } finally {
      stack.close();
    }
  });

  it('fails allocation with VMID_RANGE_EXHAUSTED when every VMID left is foreign', async () => {
    const stack = createTestStack({ pool: { vmidRange: { first: 9100, last: 9101 } }, vmidFree: async () => false });
    try {
      stack.registry.execute(create('x1'));
      await waitFor(() => stack.registry.get('x1')?.state === 'failed');
      assert.deepEqual([stack.registry.get('x1')?.failure?.step, stack.registry.get('x1')?.failure?.code], ['allocate', 'VMID_RANGE_EXHAUSTED']);
    } finally {
      stack.close();
    }
  });
});

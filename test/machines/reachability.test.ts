import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { AnyStateNode, InspectionEvent } from 'xstate';
import { domainMachine } from '../../src/machines/domain.machine.js';
import { serviceMachine } from '../../src/machines/service.machine.js';
import { statePaths } from '../../src/machines/service.views.js';
import { EffectDoubles, permanent, settle, transient, type Script } from '../support/effect-doubles.js';
import { TOP_STATES, activeService, createService, startService, type ServiceActor, type TopState } from './helpers.js';

type Reach = (doubles: EffectDoubles, t: TestContext) => Promise<ServiceActor>;
const hang: Script = () => 'hang';

/** An active service that then receives `event` and settles. */
const afterActive = (event: 'suspend' | 'delete' | 'reinstall' | 'restore', first?: 'suspend'): Reach => async (doubles, t) => {
  const actor = await activeService(doubles, { t });
  if (first !== undefined) {
    actor.send({ type: first });
    await settle();
  }
  actor.send({ type: event });
  await settle();
  return actor;
};

const TOP_LEVEL: Record<TopState, Reach> = {
  pending: async (doubles, t) => startService(doubles, { t }),
  allocating: (doubles, t) => createService(doubles.script('allocate', hang), { t }),
  provisioning: (doubles, t) => createService(doubles.script('createContainer', hang), { t }),
  compensating: (doubles, t) => createService(doubles.script('createContainer', () => permanent()).script('undoStep', hang), { t }),
  failed: (doubles, t) => createService(doubles.script('allocate', () => permanent()), { t }),
  active: (doubles, t) => activeService(doubles, { t }),
  suspending: (doubles, t) => afterActive('suspend')(doubles.script('shutdownContainer', hang), t),
  suspended: (doubles, t) => afterActive('suspend')(doubles, t),
  resuming: async (doubles, t) => {
    const actor = await afterActive('suspend')(doubles.script('startContainer', hang), t);
    actor.send({ type: 'unsuspend' });
    return actor;
  },
  reinstalling: (doubles, t) => afterActive('reinstall')(doubles.script('reinstallWordPress', hang), t),
  restoring: (doubles, t) => afterActive('restore')(doubles.script('restoreSnapshot', hang), t),
  resizing: async (doubles, t) => {
    const actor = await activeService(doubles.script('resizeContainer', hang), { t });
    actor.send({ type: 'changePlan', plan: 'premium', resources: { memoryMb: 4096, diskGb: 40, cores: 2 }, domainQuota: 5 });
    await settle();
    return actor;
  },
  deleting: (doubles, t) => afterActive('delete')(doubles.script('removeHa', hang), t),
  deleted: (doubles, t) => afterActive('delete')(doubles, t),
};

type StateValue = Parameters<ReturnType<ServiceActor['getSnapshot']>['matches']>[0];

/** Each deletion step, reached by holding its effect in flight. */
const DELETION_STEPS: readonly [StateValue, (doubles: EffectDoubles) => EffectDoubles][] = [
  [{ deleting: { stopping: 'graceful' } }, (d) => d.script('shutdownContainer', hang)],
  [{ deleting: { stopping: 'forced' } }, (d) => d.script('shutdownContainer', () => permanent('SHUTDOWN_TIMEOUT')).script('stopContainer', hang)],
  [{ deleting: 'removingHa' }, (d) => d.script('removeHa', hang)],
  [{ deleting: 'deletingSnapshots' }, (d) => d.script('deleteSnapshots', hang)],
  [{ deleting: 'destroyingContainer' }, (d) => d.script('destroyContainer', hang)],
  [{ deleting: 'deletingDnsRecord' }, (d) => d.script('deleteDnsRecord', hang)],
  [{ deleting: 'deletingProxyHost' }, (d) => d.script('deleteProxyHost', hang)],
  [{ deleting: 'purgingDomains' }, (d) => d.script('purgeDomains', hang)],
  [{ deleting: 'releasingAllocation' }, (d) => d.script('releaseAllocation', hang)],
];

describe('every state of the service is reachable by a real actor', () => {
  it('lists exactly the top-level states of the design', () => {
    assert.deepEqual(Object.keys(serviceMachine.root.states).sort(), [...TOP_STATES].sort());
  });

  for (const state of TOP_STATES) {
    it(`reaches ${state}`, async (t) => {
      const actor = await TOP_LEVEL[state](new EffectDoubles(), t);
      assert.ok(actor.getSnapshot().matches(state), `expected ${state}, got ${JSON.stringify(actor.getSnapshot().value)}`);
      assert.equal(actor.getSnapshot().status, state === 'deleted' ? 'done' : 'active');
    });
  }

  for (const [value, script] of DELETION_STEPS) {
    it(`reaches the deletion step ${statePaths(value).join()}`, async (t) => {
      const actor = await afterActive('delete')(script(new EffectDoubles()), t);
      assert.ok(actor.getSnapshot().matches(value), JSON.stringify(actor.getSnapshot().value));
    });
  }
});

/** Fails every odd call transiently, so each effect is retried once and then succeeds. */
const flaky: Script = (call) => (call % 2 === 1 ? transient() : 'ok');

function nodeIds(node: AnyStateNode): string[] {
  return [node.id, ...Object.values(node.states).flatMap((child) => nodeIds(child))];
}

describe('state coverage', () => {
  it('visits every state node of both machines across a few scenarios, microsteps included', async (t) => {
    const visited = new Set<string>();
    const inspect = (event: InspectionEvent): void => {
      if (event.type !== '@xstate.microstep' && event.type !== '@xstate.snapshot') return;
      const snapshot = event.snapshot as { machine?: { id: string }; value?: unknown };
      if (snapshot.machine === undefined) return;
      const id = snapshot.machine.id;
      visited.add(id);
      for (const path of statePaths(snapshot.value)) {
        const parts = path.split('.');
        parts.forEach((_part, i) => visited.add(`${id}.${parts.slice(0, i + 1).join('.')}`));
      }
    };

    // Everything retried once; graceful shutdowns always time out.
    const doubles = new EffectDoubles().script('shutdownContainer', () => permanent('SHUTDOWN_TIMEOUT'));
    for (const name of ['allocate', 'createContainer', 'registerHa', 'awaitReady', 'installWordPress', 'verifyInstall', 'createDnsRecord',
      'createProxyHost', 'checkLive', 'takeSnapshot', 'stopContainer', 'startContainer', 'removeHa', 'deleteSnapshots', 'destroyContainer',
      'deleteDnsRecord', 'deleteProxyHost', 'purgeDomains', 'releaseAllocation', 'verifyOwnership', 'createDnsZone', 'issueCertificate',
      'createDomainProxyHost', 'removeDomain', 'reinstallWordPress', 'restoreSnapshot', 'resizeContainer']) doubles.script(name, flaky);
    const actor = await createService(doubles, { t, inspect });
    actor.send({ type: 'domain.add', domain: 'a.example', token: 't-a' });
    await settle();
    actor.send({ type: 'domain.remove', domain: 'a.example' });
    await settle();
    for (const type of ['reinstall', 'restore'] as const) {
      actor.send({ type });
      await settle();
      assert.equal(actor.getSnapshot().value, 'active', `${type} ends active`);
    }
    actor.send({ type: 'changePlan', plan: 'premium', resources: { memoryMb: 4096, diskGb: 40, cores: 2 }, domainQuota: 5 });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    for (const type of ['suspend', 'unsuspend', 'delete'] as const) {
      actor.send({ type });
      await settle();
    }
    assert.equal(actor.getSnapshot().value, 'deleted');

    // A permanent failure: compensation (an inverse retried once), failed, and a failed domain.
    const failing = new EffectDoubles().script('undoStep', flaky).script('issueCertificate', () => permanent());
    const domainOnly = await activeService(failing, { t, inspect });
    domainOnly.send({ type: 'domain.add', domain: 'b.example', token: 't-b' });
    await settle();
    await createService(failing.script('registerHa', () => permanent()), { t, inspect });

    const all = [...nodeIds(serviceMachine.root), ...nodeIds(domainMachine.root)];
    assert.deepEqual(all.filter((id) => !visited.has(id)), []);
  });
});

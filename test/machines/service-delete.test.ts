import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { EffectDoubles, permanent, settle, failTimes } from '../support/effect-doubles.js';
import { DELETION_ORDER, INPUT, activeService, createService, deletionCalls, namesSince, startService, type ServiceActor, type TopState } from './helpers.js';

interface Start {
  /** Where the service is when delete arrives. */
  readonly state: TopState;
  /** The effect in flight then, which delete must cancel. */
  readonly inFlight?: string;
  /** Whether anything outside provisiond may exist yet. */
  readonly allocated: boolean;
  readonly reach: (doubles: EffectDoubles, t: TestContext) => Promise<ServiceActor>;
}

const hangFirst = (doubles: EffectDoubles, name: string) => doubles.script(name, (call) => (call === 1 ? 'hang' : 'ok'));

const STARTS: readonly Start[] = [
  { state: 'pending', allocated: false, reach: async (doubles, t) => startService(doubles, { t }) },
  { state: 'allocating', inFlight: 'allocate', allocated: false, reach: (doubles, t) => createService(hangFirst(doubles, 'allocate'), { t }) },
  { state: 'provisioning', inFlight: 'installWordPress', allocated: true, reach: (doubles, t) => createService(hangFirst(doubles, 'installWordPress'), { t }) },
  {
    state: 'compensating',
    inFlight: 'undoStep',
    allocated: true,
    reach: (doubles, t) => createService(hangFirst(doubles.script('registerHa', () => permanent()), 'undoStep'), { t }),
  },
  { state: 'failed', allocated: false, reach: (doubles, t) => createService(doubles.script('allocate', () => permanent()), { t }) },
  { state: 'failed', allocated: true, reach: (doubles, t) => createService(doubles.script('createProxyHost', () => permanent()), { t }) },
  { state: 'active', allocated: true, reach: (doubles, t) => activeService(doubles, { t }) },
  {
    state: 'suspending',
    inFlight: 'shutdownContainer',
    allocated: true,
    reach: async (doubles, t) => {
      const actor = await activeService(hangFirst(doubles, 'shutdownContainer'), { t });
      actor.send({ type: 'suspend' });
      return actor;
    },
  },
  {
    state: 'suspended',
    allocated: true,
    reach: async (doubles, t) => {
      const actor = await activeService(doubles, { t });
      actor.send({ type: 'suspend' });
      await settle();
      return actor;
    },
  },
  {
    state: 'resuming',
    inFlight: 'startContainer',
    allocated: true,
    reach: async (doubles, t) => {
      const actor = await activeService(hangFirst(doubles, 'startContainer'), { t });
      actor.send({ type: 'suspend' });
      await settle();
      actor.send({ type: 'unsuspend' });
      return actor;
    },
  },
];

describe('deleting a service', () => {
  for (const start of STARTS) {
    const what = start.allocated ? 'runs every deletion step in order' : 'only releases the allocation';
    it(`is accepted in ${start.state}${start.allocated ? '' : ' before allocation'}, ${what} and ends deleted`, async (t) => {
      const doubles = new EffectDoubles();
      const actor = await start.reach(doubles, t);
      assert.ok(actor.getSnapshot().matches(start.state), `reached ${start.state}`);
      const before = doubles.calls.length;
      assert.ok(actor.getSnapshot().can({ type: 'delete' }));
      actor.send({ type: 'delete' });
      assert.deepEqual(doubles.aborted, start.inFlight === undefined ? [] : [start.inFlight], 'the in-flight effect is aborted');
      await settle();
      const snapshot = actor.getSnapshot();
      assert.equal(snapshot.value, 'deleted');
      assert.equal(snapshot.status, 'done');
      const expected = start.allocated ? [...DELETION_ORDER] : ['releaseAllocation'];
      assert.deepEqual(namesSince(doubles, before), expected);
    });
  }

  it('treats a second delete while deleting as a no-op', async (t) => {
    const doubles = new EffectDoubles().script('removeHa', () => 'hang');
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'delete' });
    await settle();
    assert.ok(actor.getSnapshot().matches({ deleting: 'removingHa' }));
    assert.ok(actor.getSnapshot().hasTag('busy'));
    actor.send({ type: 'delete' });
    await settle();
    assert.ok(actor.getSnapshot().matches({ deleting: 'removingHa' }));
    assert.deepEqual(doubles.aborted, []);
    assert.equal(doubles.callsOf('shutdownContainer').length, 1);
    doubles.release('removeHa');
    await settle();
    assert.equal(actor.getSnapshot().status, 'done');
    assert.deepEqual(deletionCalls(doubles), [...DELETION_ORDER]);
  });

  it('stops the container by force when the graceful shutdown fails, then carries on', async (t) => {
    const doubles = new EffectDoubles().script('shutdownContainer', () => permanent('SHUTDOWN_TIMEOUT'));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'delete' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'deleted');
    assert.deepEqual(deletionCalls(doubles), ['shutdownContainer', 'stopContainer', ...DELETION_ORDER.slice(1)]);
  });

  it('fails in the deleting phase on a permanent step failure, and retry finishes the deletion', async (t) => {
    const doubles = new EffectDoubles().script('destroyContainer', failTimes(1, permanent('DISK_LOCKED')));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'delete' });
    await settle();
    const failure = actor.getSnapshot().context.failure;
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.deepEqual({ phase: failure?.phase, step: failure?.step, code: failure?.code }, { phase: 'deleting', step: 'destroyContainer', code: 'DISK_LOCKED' });
    actor.send({ type: 'retry' });
    await settle();
    assert.equal(actor.getSnapshot().status, 'done');
    assert.equal(doubles.callsOf('releaseAllocation').length, 1);
  });

  it('purges the custom domains and stops their actors', async (t) => {
    const doubles = new EffectDoubles().script('verifyOwnership', () => 'hang');
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'domain.add', domain: 'shop.example', token: 'tok-1' });
    await settle();
    assert.ok('domain:shop.example' in actor.getSnapshot().children);
    actor.send({ type: 'delete' });
    assert.deepEqual(doubles.aborted, ['verifyOwnership'], 'the domain actor is stopped');
    await settle();
    assert.deepEqual(doubles.callsOf('purgeDomains')[0]?.input, { serviceId: INPUT.serviceId, domains: ['shop.example'] });
    assert.deepEqual(actor.getSnapshot().context.domains, {});
  });

  it('does nothing more once deleted', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'delete' });
    await settle();
    const before = doubles.calls.length;
    for (const type of ['create', 'suspend', 'unsuspend', 'retry'] as const) assert.equal(actor.getSnapshot().can({ type }), false, type);
    for (const type of ['create', 'unsuspend', 'delete', 'retry'] as const) actor.send({ type });
    await settle();
    assert.equal(actor.getSnapshot().value, 'deleted');
    assert.equal(doubles.calls.length, before);
  });
});

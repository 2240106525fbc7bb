import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EffectDoubles, failTimes, permanent, settle, transient } from '../support/effect-doubles.js';
import { activeService, createService, functionPaths, startService, type ServiceActor } from './helpers.js';

/** What SQLite would hold: the persisted snapshot through a JSON round trip. */
function persist(actor: ServiceActor): unknown {
  return JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
}

/** Paths of the keys whose value is `undefined` (JSON drops them). */
function undefinedPaths(value: unknown, path = '$'): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (child === undefined ? [`${path}.${key}`] : undefinedPaths(child, `${path}.${key}`)));
}

/**
 * Assert a persisted snapshot holds data only and survives JSON: the context exactly, and
 * nothing dropped but XState's own empty slots (`output`/`error` of a running actor, the
 * `systemId` of a child without one).
 */
function assertJsonStable(actor: ServiceActor, label: string): void {
  const persisted = actor.getPersistedSnapshot() as unknown as { context: unknown; children: Record<string, { snapshot: { context?: unknown } }> };
  assert.deepEqual(functionPaths(persisted), [], `${label}: no functions`);
  const dropped = undefinedPaths(persisted).filter((path) => !/(^\$|\.snapshot)\.(output|error)$|\.systemId$/.test(path));
  assert.deepEqual(dropped, [], `${label}: nothing but XState's empty slots is undefined`);
  const text = JSON.stringify(persisted);
  const parsed = JSON.parse(text) as typeof persisted;
  assert.deepEqual(parsed.context, persisted.context, `${label}: the context survives JSON unchanged`);
  for (const [id, child] of Object.entries(persisted.children)) {
    assert.deepEqual(parsed.children[id]?.snapshot.context, child.snapshot.context, `${label}: child ${id} survives JSON unchanged`);
  }
  assert.equal(JSON.stringify(parsed), text, `${label}: re-serialises identically`);
}

describe('restoring a persisted service', () => {
  it('re-runs the in-flight effect with the same input and reaches active', async (t) => {
    const before = new EffectDoubles().script('installWordPress', () => 'hang');
    const first = await createService(before, { t });
    assert.ok(first.getSnapshot().matches({ provisioning: { building: { site: { install: 'running' } } } }));
    const row = persist(first);
    first.stop();

    const after = new EffectDoubles();
    const restored = startService(after, { snapshot: row, t });
    assert.equal(restored.getSnapshot().status, 'active');
    assert.ok(restored.getSnapshot().matches({ provisioning: { building: { site: { install: 'running' } } } }));
    await settle();
    assert.equal(restored.getSnapshot().value, 'active');
    assert.deepEqual(after.callsOf('installWordPress').map((call) => call.input), before.callsOf('installWordPress').map((call) => call.input));
    assert.deepEqual(after.names(), ['installWordPress', 'verifyInstall', 'checkLive', 'takeSnapshot'], 'finished steps are not run again');
    assert.deepEqual(restored.getSnapshot().context.ledger, ['container', 'dnsRecord', 'proxyHost', 'ha', 'snapshot']);
  });

  it('restores a backoff with the original deadline', async (t) => {
    const before = new EffectDoubles().holdTimers().script('installWordPress', failTimes(1, transient('APT_LOCKED')));
    const first = await createService(before, { t });
    const waiting = first.getSnapshot();
    assert.ok(waiting.matches({ provisioning: { building: { site: { install: 'waiting' } } } }));
    const deadline = waiting.context.deadlines.install;
    assert.equal(typeof deadline, 'number');
    assert.deepEqual(before.timers, [deadline]);
    const row = persist(first);
    first.stop();

    const after = new EffectDoubles().holdTimers();
    const restored = startService(after, { snapshot: row, t });
    assert.deepEqual(after.timers, [deadline], 'the restored timer gets the same deadlineAt');
    assert.deepEqual(restored.getSnapshot().context.attempts, { install: 1 });
    assert.equal(after.callsOf('installWordPress').length, 0, 'the step waits for its deadline');
    after.releaseTimers();
    await settle();
    assert.equal(restored.getSnapshot().value, 'active');
    assert.equal(after.callsOf('installWordPress').length, 1);
  });

  it('restores a custom domain child and lets it finish', async (t) => {
    const before = new EffectDoubles().script('createDnsZone', () => 'hang');
    const first = await activeService(before, { t });
    first.send({ type: 'domain.add', domain: 'shop.example', token: 'tok-1' });
    await settle();
    assert.equal(first.getSnapshot().context.domains['shop.example']?.state, 'zone');
    const row = persist(first);
    first.stop();

    const after = new EffectDoubles();
    const restored = startService(after, { snapshot: row, t });
    await settle();
    assert.deepEqual(after.callsOf('createDnsZone').map((call) => call.input), before.callsOf('createDnsZone').map((call) => call.input));
    assert.equal(restored.getSnapshot().context.domains['shop.example']?.state, 'active');
    assert.equal(restored.getSnapshot().value, 'active');
  });

  it('restores a failed service that can still be retried', async (t) => {
    const first = await createService(new EffectDoubles().script('registerHa', () => permanent('HA_REJECTED')), { t });
    const row = persist(first);
    first.stop();
    const restored = startService(new EffectDoubles(), { snapshot: row, t });
    assert.equal(restored.getSnapshot().value, 'failed');
    assert.equal(restored.getSnapshot().context.failure?.code, 'HA_REJECTED');
    restored.send({ type: 'retry' });
    await settle();
    assert.equal(restored.getSnapshot().value, 'active');
  });

  it('persists data only, JSON-stable, in every kind of state', async (t) => {
    const doubles = new EffectDoubles().script('installWordPress', () => 'hang').script('verifyOwnership', () => 'hang');
    const actor = startService(doubles, { t });
    assertJsonStable(actor, 'pending');
    actor.send({ type: 'create' });
    await settle();
    assertJsonStable(actor, 'provisioning with an effect in flight');
    doubles.release('installWordPress');
    await settle();
    actor.send({ type: 'domain.add', domain: 'shop.example', token: 'tok-1' });
    await settle();
    assertJsonStable(actor, 'active with a domain child');
    actor.send({ type: 'suspend' });
    await settle();
    assertJsonStable(actor, 'suspended');

    const waiting = await createService(new EffectDoubles().holdTimers().script('createContainer', failTimes(1, transient())), { t });
    assertJsonStable(waiting, 'backing off');
    const failed = await createService(new EffectDoubles().script('createContainer', () => permanent()), { t });
    assertJsonStable(failed, 'failed');
  });
});

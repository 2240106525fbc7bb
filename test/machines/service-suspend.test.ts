import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRACEFUL_SHUTDOWN_SECONDS } from '../../src/machines/service.machine.js';
import { topState } from '../../src/machines/service.views.js';
import { EffectDoubles, failTimes, permanent, settle } from '../support/effect-doubles.js';
import { ALLOCATION, FQDN, INPUT, activeService, createService, namesSince, type ServiceActor } from './helpers.js';

const CONTAINER = { serviceId: INPUT.serviceId, vmid: ALLOCATION.vmid };

/** The top-level state now and those entered from now on, without repeats. */
function track(actor: ServiceActor): string[] {
  const visited: string[] = [topState(actor.getSnapshot().value)];
  actor.subscribe((snapshot) => {
    const top = topState(snapshot.value);
    if (visited.at(-1) !== top) visited.push(top);
  });
  return visited;
}

describe('suspending and resuming', () => {
  it('remembers a suspend sent during provisioning and applies it when provisioning ends', async (t) => {
    const doubles = new EffectDoubles().script('installWordPress', () => 'hang');
    const actor = await createService(doubles, { t });
    actor.send({ type: 'suspend' });
    const snapshot = actor.getSnapshot();
    assert.ok(snapshot.matches({ provisioning: { building: { site: 'install' } } }), 'provisioning is not cut short');
    assert.equal(snapshot.context.desired, 'suspended');
    const visited = track(actor);
    doubles.release('installWordPress');
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
    assert.deepEqual(visited, ['provisioning', 'suspending', 'suspended']);
    const names = doubles.names();
    assert.ok(names.indexOf('takeSnapshot') < names.indexOf('shutdownContainer'), 'shut down only after the initial snapshot');
    assert.ok(names.indexOf('checkLive') < names.indexOf('shutdownContainer'));
  });

  it('shuts an active site down gracefully and keeps it suspended', async (t) => {
    const doubles = new EffectDoubles().script('shutdownContainer', () => 'hang');
    const actor = await activeService(doubles, { t });
    const before = doubles.calls.length;
    actor.send({ type: 'suspend' });
    const during = actor.getSnapshot();
    assert.ok(during.matches({ suspending: 'shuttingDown' }));
    assert.ok(during.hasTag('busy'));
    assert.equal(during.context.desired, 'suspended');
    doubles.release('shutdownContainer');
    await settle();
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'suspended');
    assert.ok(!snapshot.hasTag('healthy'));
    assert.deepEqual(namesSince(doubles, before), ['shutdownContainer']);
    assert.deepEqual(doubles.callsOf('shutdownContainer')[0]?.input, { ...CONTAINER, timeoutSeconds: GRACEFUL_SHUTDOWN_SECONDS });
  });

  it('stops the container by force when the graceful shutdown times out', async (t) => {
    const doubles = new EffectDoubles().script('shutdownContainer', () => permanent('SHUTDOWN_TIMEOUT'));
    const actor = await activeService(doubles, { t });
    const before = doubles.calls.length;
    actor.send({ type: 'suspend' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
    assert.deepEqual(namesSince(doubles, before), ['shutdownContainer', 'stopContainer']);
    assert.deepEqual(doubles.callsOf('stopContainer')[0]?.input, CONTAINER);
    assert.equal(actor.getSnapshot().context.failure, null);
  });

  it('fails in the suspending phase when even the forced stop fails, and retry suspends again', async (t) => {
    const doubles = new EffectDoubles()
      .script('shutdownContainer', failTimes(1, permanent('SHUTDOWN_TIMEOUT')))
      .script('stopContainer', failTimes(1, permanent('NODE_UNREACHABLE')));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    await settle();
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'failed');
    assert.deepEqual(
      { phase: snapshot.context.failure?.phase, step: snapshot.context.failure?.step, code: snapshot.context.failure?.code },
      { phase: 'suspending', step: 'forceStop', code: 'NODE_UNREACHABLE' },
    );
    assert.equal(doubles.callsOf('undoStep').length, 0, 'a suspend failure never compensates');
    actor.send({ type: 'retry' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
  });

  it('resumes a suspended site: starts the container and waits until it answers', async (t) => {
    const doubles = new EffectDoubles().script('checkLive', (call) => (call === 2 ? 'hang' : 'ok'));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    await settle();
    const before = doubles.calls.length;
    const visited = track(actor);
    actor.send({ type: 'unsuspend' });
    await settle();
    assert.ok(actor.getSnapshot().matches({ resuming: 'answering' }));
    assert.ok(actor.getSnapshot().hasTag('busy'));
    doubles.release('checkLive');
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(visited, ['suspended', 'resuming', 'active']);
    assert.deepEqual(namesSince(doubles, before), ['startContainer', 'checkLive']);
    assert.deepEqual(doubles.callsOf('startContainer')[0]?.input, CONTAINER);
    assert.deepEqual(doubles.callsOf('checkLive')[1]?.input, { serviceId: INPUT.serviceId, fqdn: FQDN });
    assert.equal(actor.getSnapshot().context.desired, 'running');
  });

  it('applies an unsuspend sent while suspending by resuming once the shutdown is done', async (t) => {
    const doubles = new EffectDoubles().script('shutdownContainer', () => 'hang');
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    actor.send({ type: 'unsuspend' });
    assert.ok(actor.getSnapshot().matches('suspending'), 'the shutdown is not abandoned half-way');
    assert.equal(actor.getSnapshot().context.desired, 'running');
    const visited = track(actor);
    doubles.release('shutdownContainer');
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(visited, ['suspending', 'resuming', 'active']);
    assert.equal(doubles.callsOf('startContainer').length, 1);
  });

  it('applies a suspend sent while resuming by suspending once the start is done', async (t) => {
    const doubles = new EffectDoubles().script('startContainer', () => 'hang');
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    await settle();
    actor.send({ type: 'unsuspend' });
    actor.send({ type: 'suspend' });
    doubles.release('startContainer');
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
    assert.equal(doubles.callsOf('shutdownContainer').length, 2);
  });

  it('fails in the resuming phase when the container will not start, and retry resumes', async (t) => {
    const doubles = new EffectDoubles().script('startContainer', failTimes(1, permanent('START_FAILED')));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    await settle();
    actor.send({ type: 'unsuspend' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(actor.getSnapshot().context.failure?.phase, 'resuming');
    assert.equal(actor.getSnapshot().context.failure?.step, 'start');
    actor.send({ type: 'retry' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
  });

  it('ignores unsuspend on an active site and suspend on a suspended one', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    const before = doubles.calls.length;
    actor.send({ type: 'unsuspend' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    actor.send({ type: 'suspend' });
    await settle();
    actor.send({ type: 'suspend' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
    assert.deepEqual(namesSince(doubles, before), ['shutdownContainer']);
  });
});

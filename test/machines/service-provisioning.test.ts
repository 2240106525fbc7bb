import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topState } from '../../src/machines/service.views.js';
import { EffectDoubles, failTimes, permanent, settle } from '../support/effect-doubles.js';
import { ALLOCATION, FQDN, INPUT, activeService, createService, startService } from './helpers.js';

describe('provisioning a service', () => {
  it('goes pending → allocating → provisioning → active and ends healthy', async (t) => {
    const doubles = new EffectDoubles();
    const actor = startService(doubles, { t });
    const visited: string[] = [];
    actor.subscribe((snapshot) => {
      const top = topState(snapshot.value);
      if (visited.at(-1) !== top) visited.push(top);
    });
    assert.equal(actor.getSnapshot().value, 'pending');
    actor.send({ type: 'create' });
    await settle();
    assert.deepEqual(visited, ['allocating', 'provisioning', 'active']);
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'active');
    assert.ok(snapshot.hasTag('healthy'));
    assert.ok(!snapshot.hasTag('busy'));
    assert.deepEqual(snapshot.context.allocation, ALLOCATION);
    assert.equal(snapshot.context.node, 'node1');
    assert.deepEqual(snapshot.context.ledger, ['container', 'dnsRecord', 'proxyHost', 'ha', 'snapshot']);
    assert.deepEqual(snapshot.context.attempts, {});
    assert.deepEqual(snapshot.context.deadlines, {});
  });

  it('creates the DNS record and the proxy host while the container is still being created', async (t) => {
    const doubles = new EffectDoubles().script('createContainer', () => 'hang');
    const actor = await createService(doubles, { t });
    const during = actor.getSnapshot();
    assert.ok(during.matches({ provisioning: { building: { site: { container: 'running' }, dnsRecord: 'done', proxyHost: 'done' } } }));
    assert.ok(during.hasTag('busy'));
    assert.ok(!during.hasTag('healthy'));
    assert.deepEqual(doubles.names(), ['allocate', 'createContainer', 'createDnsRecord', 'createProxyHost']);

    doubles.release('createContainer');
    await settle();
    assert.deepEqual(doubles.names().slice(4, 8), ['registerHa', 'awaitReady', 'installWordPress', 'verifyInstall']);
    assert.deepEqual(new Set(doubles.names().slice(8)), new Set(['checkLive', 'takeSnapshot']));
    assert.equal(actor.getSnapshot().value, 'active');
  });

  it('hands every provisioning effect its JSON input derived from the allocation', async (t) => {
    const doubles = new EffectDoubles();
    await activeService(doubles, { t });
    const container = { serviceId: INPUT.serviceId, vmid: ALLOCATION.vmid };
    const inputOf = (name: string) => doubles.callsOf(name)[0]?.input;
    assert.deepEqual(inputOf('allocate'), { serviceId: INPUT.serviceId });
    assert.deepEqual(inputOf('createContainer'), { ...container, hostname: FQDN, privateIp: ALLOCATION.privateIp, resources: INPUT.resources });
    assert.deepEqual(inputOf('createDnsRecord'), { serviceId: INPUT.serviceId, fqdn: FQDN, publicIp: INPUT.publicIp });
    assert.deepEqual(inputOf('createProxyHost'), { serviceId: INPUT.serviceId, fqdn: FQDN, privateIp: ALLOCATION.privateIp });
    for (const name of ['registerHa', 'awaitReady', 'takeSnapshot']) assert.deepEqual(inputOf(name), container, name);
    for (const name of ['installWordPress', 'verifyInstall']) assert.deepEqual(inputOf(name), { ...container, fqdn: FQDN }, name);
    assert.deepEqual(inputOf('checkLive'), { serviceId: INPUT.serviceId, fqdn: FQDN });
  });

  it('is not active before the initial snapshot is taken, even once the site answers', async (t) => {
    const doubles = new EffectDoubles().script('takeSnapshot', () => 'hang');
    const actor = await createService(doubles, { t });
    assert.ok(actor.getSnapshot().matches({ provisioning: { finishing: { live: 'done', snapshot: 'running' } } }));
    assert.ok(actor.getSnapshot().hasTag('busy'));
    doubles.release('takeSnapshot');
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
  });

  it('does not start installing WordPress before the container answers', async (t) => {
    const doubles = new EffectDoubles().script('awaitReady', () => 'hang');
    const actor = await createService(doubles, { t });
    assert.ok(actor.getSnapshot().matches({ provisioning: { building: { site: 'ready' } } }));
    assert.equal(doubles.callsOf('installWordPress').length, 0);
    assert.equal(doubles.callsOf('checkLive').length, 0);
    assert.equal(doubles.callsOf('takeSnapshot').length, 0);
  });
});

describe('retrying a failed service', () => {
  it('re-enters allocating after an allocation failure and can reach active', async (t) => {
    const doubles = new EffectDoubles().script('allocate', failTimes(1, permanent('POOL_EMPTY')));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(actor.getSnapshot().context.failure?.phase, 'allocating');
    const visited: string[] = [];
    actor.subscribe((snapshot) => visited.push(topState(snapshot.value)));
    assert.ok(actor.getSnapshot().can({ type: 'retry' }));
    actor.send({ type: 'retry' });
    assert.equal(visited[0], 'allocating');
    await settle();
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'active');
    assert.equal(snapshot.context.failure, null);
    assert.equal(doubles.callsOf('allocate').length, 2);
  });

  it('re-enters provisioning after a compensated failure and can reach active', async (t) => {
    const doubles = new EffectDoubles().script('installWordPress', failTimes(1, permanent('INSTALLER_CRASHED')));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(actor.getSnapshot().context.failure?.phase, 'provisioning');
    actor.send({ type: 'retry' });
    assert.ok(actor.getSnapshot().matches('provisioning'));
    await settle();
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'active');
    assert.equal(snapshot.context.failure, null);
    assert.deepEqual(snapshot.context.compensationErrors, []);
    assert.equal(doubles.callsOf('allocate').length, 1, 'the allocation is kept');
    assert.equal(doubles.callsOf('createContainer').length, 2);
    assert.equal(doubles.callsOf('installWordPress').length, 2);
  });

  it('refuses retry in every state that is not failed', async (t) => {
    const pending = startService(new EffectDoubles(), { t });
    assert.equal(pending.getSnapshot().can({ type: 'retry' }), false);

    const busy = await createService(new EffectDoubles().script('installWordPress', () => 'hang'), { t });
    assert.ok(busy.getSnapshot().matches('provisioning'));
    assert.equal(busy.getSnapshot().can({ type: 'retry' }), false);

    const actor = await activeService(new EffectDoubles(), { t });
    assert.equal(actor.getSnapshot().can({ type: 'retry' }), false);
    actor.send({ type: 'suspend' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
    assert.equal(actor.getSnapshot().can({ type: 'retry' }), false);
    actor.send({ type: 'delete' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'deleted');
    assert.equal(actor.getSnapshot().can({ type: 'retry' }), false);
  });
});

/**
 * The operator commands on a built site: reinstall WordPress, restore the initial snapshot,
 * change plan (resize), and retry a failed custom domain. Each is a busy phase that ends
 * where the customer wants the site (running or suspended) and fails into `failed` with a
 * phase that `retry` resumes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EffectDoubles, failTimes, permanent, settle } from '../support/effect-doubles.js';
import { ALLOCATION, FQDN, INPUT, activeService, createService, namesSince, startService } from './helpers.js';

const CONTAINER = { serviceId: INPUT.serviceId, vmid: ALLOCATION.vmid };
const PREMIUM = { plan: 'premium', resources: { memoryMb: 4096, diskGb: 40, cores: 2 }, domainQuota: 5 } as const;

describe('reinstalling WordPress', () => {
  it('installs afresh, verifies, waits for the site through the proxy, and is active again', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    const before = doubles.calls.length;
    actor.send({ type: 'reinstall' });
    assert.ok(actor.getSnapshot().matches({ reinstalling: 'installing' }));
    assert.ok(actor.getSnapshot().hasTag('busy'));
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(namesSince(doubles, before), ['reinstallWordPress', 'verifyInstall', 'checkLive']);
    assert.deepEqual(doubles.callsOf('reinstallWordPress')[0]?.input, { ...CONTAINER, fqdn: FQDN });
  });

  it('fails in the reinstalling phase and retry runs the reinstall again', async (t) => {
    const doubles = new EffectDoubles().script('reinstallWordPress', failTimes(1, permanent('INSTALL_FAILED')));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'reinstall' });
    await settle();
    const failed = actor.getSnapshot();
    assert.equal(failed.value, 'failed');
    assert.deepEqual([failed.context.failure?.phase, failed.context.failure?.step, failed.context.failure?.code], ['reinstalling', 'reinstall', 'INSTALL_FAILED']);
    actor.send({ type: 'retry' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.equal(doubles.callsOf('reinstallWordPress').length, 2);
  });

  it('applies a suspend sent during the reinstall once it has finished', async (t) => {
    const doubles = new EffectDoubles().script('reinstallWordPress', () => 'hang');
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'reinstall' });
    actor.send({ type: 'suspend' });
    assert.ok(actor.getSnapshot().matches('reinstalling'), 'the reinstall is not cut short');
    doubles.release('reinstallWordPress');
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
  });

  it('is refused while the service is suspended or still provisioning', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    await settle();
    assert.equal(actor.getSnapshot().can({ type: 'reinstall' }), false);
    const provisioning = await createService(new EffectDoubles().script('installWordPress', () => 'hang'), { t });
    assert.equal(provisioning.getSnapshot().can({ type: 'reinstall' }), false);
    assert.equal(provisioning.getSnapshot().can({ type: 'restore' }), false);
  });
});

describe('restoring the initial snapshot', () => {
  it('knows the snapshot exists once provisioning took it, rolls back and waits for the site', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    assert.equal(actor.getSnapshot().context.initialSnapshot, true);
    const before = doubles.calls.length;
    actor.send({ type: 'restore' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(namesSince(doubles, before), ['restoreSnapshot', 'resizeContainer', 'checkLive']);
    assert.deepEqual(doubles.callsOf('restoreSnapshot')[0]?.input, CONTAINER);
    assert.deepEqual(doubles.callsOf('resizeContainer')[0]?.input, { ...CONTAINER, ...INPUT.resources }, "a rollback brings back the snapshot's sizes: the plan's are set again");
  });

  it('is not offered when there is no initial snapshot', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    const persisted = actor.getPersistedSnapshot() as unknown as { context: Record<string, unknown> };
    // A snapshot persisted before the flag existed reads as "no snapshot known".
    const { initialSnapshot: _dropped, ...olderContext } = persisted.context;
    const restored = startService(new EffectDoubles(), { snapshot: { ...persisted, context: olderContext }, t });
    assert.equal(restored.getSnapshot().value, 'active');
    assert.equal(restored.getSnapshot().can({ type: 'restore' }), false);
  });

  it('repairs a site whose resume failed, and forgets the snapshot once deletion removed it', async (t) => {
    const doubles = new EffectDoubles().script('checkLive', (call) => (call >= 2 && call <= 7 ? permanent('SITE_NOT_LIVE') : 'ok'));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    await settle();
    actor.send({ type: 'unsuspend' });
    await settle();
    assert.equal(actor.getSnapshot().context.failure?.phase, 'resuming');
    assert.equal(actor.getSnapshot().can({ type: 'restore' }), true);
    doubles.script('checkLive', () => 'ok');
    actor.send({ type: 'restore' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.equal(actor.getSnapshot().context.failure, null);
    actor.send({ type: 'delete' });
    await settle();
    assert.equal(actor.getSnapshot().context.initialSnapshot, false);
  });
});

describe('changing plan', () => {
  it('resizes a running site, keeps the new plan in context, and checks the site answers', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    const before = doubles.calls.length;
    actor.send({ type: 'changePlan', ...PREMIUM });
    await settle();
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'active');
    assert.deepEqual(namesSince(doubles, before), ['resizeContainer', 'startContainer', 'checkLive']);
    assert.deepEqual(doubles.callsOf('resizeContainer')[0]?.input, { ...CONTAINER, ...PREMIUM.resources });
    assert.deepEqual([snapshot.context.plan, snapshot.context.resources, snapshot.context.domainQuota], [PREMIUM.plan, PREMIUM.resources, PREMIUM.domainQuota]);
    assert.equal(snapshot.context.planChange, null);
  });

  it('resizes a suspended site while it is stopped, and it stays suspended', async (t) => {
    const doubles = new EffectDoubles();
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'suspend' });
    await settle();
    const before = doubles.calls.length;
    actor.send({ type: 'changePlan', ...PREMIUM });
    await settle();
    assert.equal(actor.getSnapshot().value, 'suspended');
    assert.deepEqual(namesSince(doubles, before), ['resizeContainer', 'shutdownContainer']);
    assert.equal(actor.getSnapshot().context.plan, 'premium');
  });

  it('keeps the old plan when the resize fails, and retry applies the same change', async (t) => {
    const doubles = new EffectDoubles().script('resizeContainer', failTimes(1, permanent('UPSTREAM_REJECTED')));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'changePlan', ...PREMIUM });
    await settle();
    const failed = actor.getSnapshot();
    assert.equal(failed.value, 'failed');
    assert.equal(failed.context.failure?.phase, 'resizing');
    assert.equal(failed.context.plan, INPUT.plan, 'the plan changes only when the container has it');
    actor.send({ type: 'retry' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.equal(actor.getSnapshot().context.plan, 'premium');
    assert.deepEqual(doubles.callsOf('resizeContainer').map((call) => call.input), [
      { ...CONTAINER, ...PREMIUM.resources },
      { ...CONTAINER, ...PREMIUM.resources },
    ]);
  });
});

describe('retrying a failed custom domain', () => {
  it('resumes the failed step of that domain only', async (t) => {
    const doubles = new EffectDoubles().script('issueCertificate', failTimes(1, permanent('UPSTREAM_REJECTED')));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'domain.add', domain: 'shop.example', token: 'tok' });
    await settle();
    assert.equal(actor.getSnapshot().context.domains['shop.example']?.state, 'failed');
    assert.equal(actor.getSnapshot().value, 'active', 'the site is untouched');
    assert.equal(actor.getSnapshot().can({ type: 'domain.retry', domain: 'other.example' }), false);
    actor.send({ type: 'domain.retry', domain: 'shop.example' });
    await settle();
    assert.equal(actor.getSnapshot().context.domains['shop.example']?.state, 'active');
    assert.equal(doubles.callsOf('verifyOwnership').length, 1, 'ownership is not proven twice');
    assert.equal(doubles.callsOf('issueCertificate').length, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, type AnyActorRef } from 'xstate';
import { EffectDoubles, failTimes, permanent, settle, transient } from '../support/effect-doubles.js';
import { ALLOCATION, INPUT, activeService, createService, type ServiceActor } from './helpers.js';

const DOMAIN_INPUT = { serviceId: INPUT.serviceId, domain: 'shop.example', token: 'tok-1', publicIp: INPUT.publicIp, privateIp: ALLOCATION.privateIp };
const DOMAIN_EFFECTS = ['verifyOwnership', 'createDnsZone', 'issueCertificate', 'createDomainProxyHost'];

/** The domain states the parent's context shows for `domain`, in order, without repeats. */
function followDomain(actor: ServiceActor, domain: string): (string | undefined)[] {
  const seen: (string | undefined)[] = [];
  actor.subscribe((snapshot) => {
    const state = snapshot.context.domains[domain]?.state;
    if (seen.at(-1) !== state) seen.push(state);
  });
  return seen;
}

function childOf(actor: ServiceActor, domain: string): AnyActorRef {
  const child = actor.getSnapshot().children[`domain:${domain}`] as AnyActorRef | undefined;
  assert.ok(child, `child domain:${domain} exists`);
  return child;
}

describe('the custom-domain machine alone', () => {
  it('verifies ownership, then creates the zone, the certificate and the proxy host, and is active', async (t) => {
    const doubles = new EffectDoubles();
    const actor = createActor(doubles.domain(), { input: DOMAIN_INPUT });
    t.after(() => actor.stop());
    actor.start();
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.ok(actor.getSnapshot().hasTag('healthy'));
    assert.deepEqual(doubles.names(), DOMAIN_EFFECTS);
    const { serviceId, domain, token, publicIp, privateIp } = DOMAIN_INPUT;
    assert.deepEqual(doubles.callsOf('verifyOwnership')[0]?.input, { serviceId, domain, token });
    assert.deepEqual(doubles.callsOf('createDnsZone')[0]?.input, { serviceId, domain, publicIp, privateIp });
    assert.deepEqual(doubles.callsOf('issueCertificate')[0]?.input, { serviceId, domain });
    assert.deepEqual(doubles.callsOf('createDomainProxyHost')[0]?.input, { serviceId, domain, publicIp, privateIp });
  });

  it('parks a failed step in failed and resumes exactly that step on retry', async (t) => {
    const doubles = new EffectDoubles().script('createDnsZone', failTimes(1, permanent('ZONE_EXISTS')));
    const actor = createActor(doubles.domain(), { input: DOMAIN_INPUT });
    t.after(() => actor.stop());
    actor.start();
    await settle();
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.deepEqual(actor.getSnapshot().context.error, { code: 'ZONE_EXISTS', message: 'ZONE_EXISTS (permanent, injected)' });
    assert.equal(actor.getSnapshot().context.failedStep, 'dnsZone');
    actor.send({ type: 'retry' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(doubles.names(), ['verifyOwnership', 'createDnsZone', 'createDnsZone', 'issueCertificate', 'createDomainProxyHost']);
  });
});

describe('custom domains of a service', () => {
  it('spawns a domain:<name> child whose state the service context follows up to active', async (t) => {
    const doubles = new EffectDoubles().script('verifyOwnership', () => 'hang');
    const actor = await activeService(doubles, { t });
    const seen = followDomain(actor, 'shop.example');
    assert.ok(actor.getSnapshot().can({ type: 'domain.add', domain: 'shop.example', token: 'tok-1' }));
    actor.send({ type: 'domain.add', domain: 'shop.example', token: 'tok-1' });
    await settle();
    assert.deepEqual(actor.getSnapshot().context.domains['shop.example'], { state: 'verifying', token: 'tok-1', error: null });
    assert.equal(childOf(actor, 'shop.example').getSnapshot().value.verifying, 'checking');
    doubles.release('verifyOwnership');
    await settle();
    assert.deepEqual(seen, ['verifying', 'zone', 'certificate', 'proxyHost', 'active']);
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(doubles.callsOf('verifyOwnership')[0]?.input, { serviceId: INPUT.serviceId, domain: 'shop.example', token: 'tok-1' });
  });

  it('refuses a domain beyond the quota from the input, and a domain already attached', async (t) => {
    const actor = await activeService(new EffectDoubles(), { t, input: { ...INPUT, domainQuota: 2 } });
    actor.send({ type: 'domain.add', domain: 'a.example', token: 't-a' });
    actor.send({ type: 'domain.add', domain: 'b.example', token: 't-b' });
    await settle();
    const third = { type: 'domain.add', domain: 'c.example', token: 't-c' } as const;
    assert.equal(actor.getSnapshot().can(third), false);
    assert.equal(actor.getSnapshot().can({ type: 'domain.add', domain: 'a.example', token: 'other' }), false);
    actor.send(third);
    await settle();
    assert.deepEqual(Object.keys(actor.getSnapshot().context.domains).sort(), ['a.example', 'b.example']);
    assert.equal(actor.getSnapshot().children['domain:c.example'], undefined);
  });

  it('accepts domains while suspended but not before the service is active', async (t) => {
    const doubles = new EffectDoubles().script('installWordPress', (call) => (call === 1 ? 'hang' : 'ok'));
    const provisioning = await createService(doubles, { t });
    const add = { type: 'domain.add', domain: 'shop.example', token: 'tok-1' } as const;
    assert.equal(provisioning.getSnapshot().can(add), false);
    doubles.release('installWordPress');
    await settle();
    provisioning.send({ type: 'suspend' });
    await settle();
    assert.equal(provisioning.getSnapshot().value, 'suspended');
    provisioning.send(add);
    await settle();
    assert.equal(provisioning.getSnapshot().context.domains['shop.example']?.state, 'active');
    assert.equal(provisioning.getSnapshot().value, 'suspended');
  });

  it('removes a domain: removing, then removed, then gone from context and children', async (t) => {
    const doubles = new EffectDoubles().script('removeDomain', () => 'hang');
    const actor = await activeService(doubles, { t, input: { ...INPUT, domainQuota: 1 } });
    actor.send({ type: 'domain.add', domain: 'shop.example', token: 'tok-1' });
    await settle();
    const seen = followDomain(actor, 'shop.example');
    assert.equal(actor.getSnapshot().can({ type: 'domain.remove', domain: 'other.example' }), false);
    actor.send({ type: 'domain.remove', domain: 'shop.example' });
    await settle();
    assert.equal(actor.getSnapshot().context.domains['shop.example']?.state, 'removing');
    const child = childOf(actor, 'shop.example');
    doubles.release('removeDomain');
    await settle();
    assert.equal(child.getSnapshot().value, 'removed');
    assert.deepEqual(seen, ['active', 'removing', undefined]);
    assert.deepEqual(actor.getSnapshot().context.domains, {});
    assert.equal(actor.getSnapshot().children['domain:shop.example'], undefined);
    assert.deepEqual(doubles.callsOf('removeDomain')[0]?.input, { serviceId: INPUT.serviceId, domain: 'shop.example' });
    assert.ok(actor.getSnapshot().can({ type: 'domain.add', domain: 'shop.example', token: 'tok-2' }), 'the quota slot is free again');
  });

  it('keeps the site active and the other domains untouched when a certificate fails, and retry resumes it', async (t) => {
    // good.example asks first (call 1); only bad.example's first request (call 2) fails.
    const doubles = new EffectDoubles().script('issueCertificate', (call, input) =>
      call === 2 && (input as { domain: string }).domain === 'bad.example' ? permanent('ACME_REJECTED') : 'ok',
    );
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'domain.add', domain: 'good.example', token: 't-good' });
    await settle();
    actor.send({ type: 'domain.add', domain: 'bad.example', token: 't-bad' });
    await settle();
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'active');
    assert.ok(snapshot.hasTag('healthy'));
    assert.deepEqual(snapshot.context.domains['bad.example'], {
      state: 'failed', token: 't-bad', error: { code: 'ACME_REJECTED', message: 'ACME_REJECTED (permanent, injected)' },
    });
    assert.deepEqual(snapshot.context.domains['good.example'], { state: 'active', token: 't-good', error: null });
    assert.equal(doubles.callsOf('undoStep').length, 0);
    assert.equal(doubles.callsOf('removeDomain').length, 0);

    const before = doubles.calls.length;
    childOf(actor, 'bad.example').send({ type: 'retry' });
    await settle();
    assert.deepEqual(doubles.names().slice(before), ['issueCertificate', 'createDomainProxyHost'], 'resumes at the certificate');
    assert.deepEqual(actor.getSnapshot().context.domains['bad.example'], { state: 'active', token: 't-bad', error: null });
  });

  it('removes a failed domain as well', async (t) => {
    const doubles = new EffectDoubles().script('verifyOwnership', () => permanent('TXT_MISSING'));
    const actor = await activeService(doubles, { t });
    actor.send({ type: 'domain.add', domain: 'shop.example', token: 'tok-1' });
    await settle();
    assert.equal(actor.getSnapshot().context.domains['shop.example']?.state, 'failed');
    actor.send({ type: 'domain.remove', domain: 'shop.example' });
    await settle();
    assert.deepEqual(actor.getSnapshot().context.domains, {});
    assert.equal(doubles.callsOf('removeDomain').length, 1);
  });
});

describe('the ownership window', () => {
  const NOW = 1_700_000_000_000;
  const HOUR = 3_600_000;

  it('keeps looking for the TXT record for the whole window, beyond any attempt count, then fails', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW });
    const doubles = new EffectDoubles().holdTimers().script('verifyOwnership', () => transient('OWNERSHIP_UNPROVEN'));
    const actor = createActor(doubles.domain(), { input: { ...DOMAIN_INPUT, verifyUntil: NOW + 4 * HOUR } });
    t.after(() => actor.stop());
    actor.start();
    await settle();
    assert.equal(actor.getSnapshot().context.error?.code, 'OWNERSHIP_UNPROVEN', 'the reason is shown while it waits');
    // Walk the clock to each deadline, as the durable timer would.
    for (let look = 0; look < 200 && actor.getSnapshot().matches({ verifying: 'waiting' }); look++) {
      const at = actor.getSnapshot().context.deadlines.verifyOwnership ?? 0;
      assert.ok(at <= NOW + 4 * HOUR, 'no look is scheduled after the window');
      t.mock.timers.setTime(at);
      doubles.releaseTimers();
      await settle();
    }
    const looks = doubles.callsOf('verifyOwnership').length;
    assert.ok(looks > 12, `looked ${looks} times: the window, not the attempt rule of 12, decides`);
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(actor.getSnapshot().context.failedStep, 'verifyOwnership');
  });

  it('stops at once on a permanent error even inside the window', async (t) => {
    const doubles = new EffectDoubles().script('verifyOwnership', () => permanent('NXDOMAIN_POLICY'));
    const actor = createActor(doubles.domain(), { input: { ...DOMAIN_INPUT, verifyUntil: Date.now() + HOUR } });
    t.after(() => actor.stop());
    actor.start();
    await settle();
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(doubles.callsOf('verifyOwnership').length, 1);
  });
});

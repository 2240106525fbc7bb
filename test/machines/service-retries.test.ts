import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs } from '../../src/machines/retry-policy.js';
import { EffectDoubles, failTimes, permanent, settle, transient } from '../support/effect-doubles.js';
import { createService, undoneSteps } from './helpers.js';

const NOW = 1_700_000_000_000;

describe('transient failures during provisioning', () => {
  it('backs off on a durable deadline, counts the attempts and then reaches active', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW });
    const doubles = new EffectDoubles().holdTimers().script('createContainer', failTimes(2, transient('PROXMOX_BUSY')));
    const actor = await createService(doubles, { t });

    let snapshot = actor.getSnapshot();
    assert.ok(snapshot.matches({ provisioning: { building: { site: { container: 'waiting' } } } }));
    assert.deepEqual(snapshot.context.attempts, { container: 1 });
    assert.equal(snapshot.context.deadlines.container, NOW + 5_000);
    assert.equal(snapshot.context.lastError?.code, 'PROXMOX_BUSY');
    assert.deepEqual(doubles.timers, [NOW + 5_000]);
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as { children: Record<string, { snapshot: { input: unknown } }> };
    assert.deepEqual(persisted.children.containerBackoff?.snapshot.input, { deadlineAt: NOW + 5_000 });

    doubles.releaseTimers();
    await settle();
    snapshot = actor.getSnapshot();
    assert.ok(snapshot.matches({ provisioning: { building: { site: { container: 'waiting' } } } }));
    assert.deepEqual(snapshot.context.attempts, { container: 2 });
    assert.equal(snapshot.context.deadlines.container, NOW + 10_000, 'the second wait doubles');

    doubles.releaseTimers();
    await settle();
    snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'active');
    assert.equal(doubles.callsOf('createContainer').length, 3);
    assert.deepEqual(snapshot.context.attempts, {});
    assert.deepEqual(snapshot.context.deadlines, {});
    assert.equal(snapshot.context.lastError, null);
  });

  it('retries a region without holding back the parallel ones', async (t) => {
    const doubles = new EffectDoubles().holdTimers().script('createDnsRecord', failTimes(2, transient()));
    const actor = await createService(doubles, { t });
    assert.ok(actor.getSnapshot().matches({ provisioning: { building: { dnsRecord: 'waiting', site: 'done', proxyHost: 'done' } } }));
    assert.equal(doubles.callsOf('verifyInstall').length, 1);
    doubles.releaseTimers();
    await settle();
    doubles.releaseTimers();
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.equal(doubles.callsOf('createDnsRecord').length, 3);
  });

  it('waits out a Retry-After longer than the backoff before asking Cloudflare again', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW });
    const limited = { code: 'UPSTREAM_RATE_LIMITED', message: 'cloudflare: 429', retryable: true, system: 'cloudflare', retryAfterMs: 120_000 };
    const doubles = new EffectDoubles().holdTimers().script('createDnsRecord', failTimes(1, limited));
    const actor = await createService(doubles, { t });
    const snapshot = actor.getSnapshot();
    assert.ok(snapshot.matches({ provisioning: { building: { dnsRecord: 'waiting' } } }));
    assert.equal(snapshot.context.deadlines.dnsRecord, NOW + 120_000, 'not the 2 s backoff');
    assert.equal(snapshot.context.lastError?.retryAfterMs, 120_000, 'kept for the operator to see');
    assert.deepEqual(doubles.timers, [NOW + 120_000]);
    doubles.releaseTimers();
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.equal(doubles.callsOf('createDnsRecord').length, 2);
  });

  it('compensates once the container step has used its 3 attempts', async (t) => {
    const doubles = new EffectDoubles().script('createContainer', () => transient('PROXMOX_BUSY'));
    const actor = await createService(doubles, { t });
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'failed');
    assert.equal(doubles.callsOf('createContainer').length, 3);
    assert.deepEqual({ ...snapshot.context.failure, message: undefined, at: undefined }, {
      phase: 'provisioning', step: 'container', code: 'PROXMOX_BUSY', message: undefined, at: undefined,
    });
    assert.ok(undoneSteps(doubles).includes('container'));
  });

  it('polls readiness every 5 s up to 6 times', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW });
    const doubles = new EffectDoubles().script('awaitReady', failTimes(5, transient('NOT_READY')));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'active');
    assert.equal(doubles.callsOf('awaitReady').length, 6);
    assert.deepEqual(doubles.timers, Array(5).fill(NOW + 5_000));
  });

  it('gives up on readiness after the 6th failed poll', async (t) => {
    const doubles = new EffectDoubles().script('awaitReady', () => transient('NOT_READY'));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(actor.getSnapshot().context.failure?.step, 'ready');
    assert.equal(doubles.callsOf('awaitReady').length, 6);
  });

  it('does not retry a permanent failure', async (t) => {
    const doubles = new EffectDoubles().script('registerHa', () => permanent('HA_REJECTED'));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(doubles.callsOf('registerHa').length, 1);
    assert.deepEqual(doubles.timers, []);
  });

  it('does not retry an effect that throws something other than a StepError', async (t) => {
    const doubles = new EffectDoubles().script('awaitReady', () => {
      throw new Error('bug in an effect');
    });
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.equal(actor.getSnapshot().context.failure?.code, 'INTERNAL');
    assert.equal(doubles.callsOf('awaitReady').length, 1);
  });

  it('retries allocation with exponential backoff from 2 s', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW });
    const doubles = new EffectDoubles().script('allocate', failTimes(3, transient('DB_BUSY')));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(doubles.timers, [1, 2, 3].map((attempt) => NOW + backoffMs('allocate', attempt)));
    assert.deepEqual(doubles.timers, [NOW + 2_000, NOW + 4_000, NOW + 8_000]);
  });
});

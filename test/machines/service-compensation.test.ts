import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProvisionStep } from '../../src/machines/service.types.js';
import { EffectDoubles, failTimes, permanent, settle, transient } from '../support/effect-doubles.js';
import { ALLOCATION, FQDN, INPUT, createService, undoneSteps } from './helpers.js';

/** The effect that begins each ledger step: an undo is only legitimate after it was called. */
const BEGUN_BY: Record<ProvisionStep, string> = {
  container: 'createContainer',
  ha: 'registerHa',
  dnsRecord: 'createDnsRecord',
  proxyHost: 'createProxyHost',
  snapshot: 'takeSnapshot',
};

interface Case {
  readonly step: string;
  readonly effect: string;
  /** Effects held in flight so the failure happens at a known point. */
  readonly hang?: readonly string[];
  /** Ledger steps expected to be undone, newest first. */
  readonly undone: readonly ProvisionStep[];
}

const WHOLE_LEDGER: readonly ProvisionStep[] = ['snapshot', 'ha', 'proxyHost', 'dnsRecord', 'container'];
const CASES: readonly Case[] = [
  { step: 'allocate', effect: 'allocate', undone: [] },
  { step: 'container', effect: 'createContainer', undone: ['proxyHost', 'dnsRecord', 'container'] },
  { step: 'ha', effect: 'registerHa', undone: ['ha', 'proxyHost', 'dnsRecord', 'container'] },
  { step: 'ready', effect: 'awaitReady', undone: ['ha', 'proxyHost', 'dnsRecord', 'container'] },
  { step: 'install', effect: 'installWordPress', undone: ['ha', 'proxyHost', 'dnsRecord', 'container'] },
  { step: 'verify', effect: 'verifyInstall', undone: ['ha', 'proxyHost', 'dnsRecord', 'container'] },
  { step: 'dnsRecord', effect: 'createDnsRecord', hang: ['createContainer'], undone: ['proxyHost', 'dnsRecord', 'container'] },
  { step: 'proxyHost', effect: 'createProxyHost', hang: ['createContainer'], undone: ['proxyHost', 'dnsRecord', 'container'] },
  { step: 'live', effect: 'checkLive', hang: ['takeSnapshot'], undone: WHOLE_LEDGER },
  { step: 'snapshot', effect: 'takeSnapshot', undone: WHOLE_LEDGER },
];

describe('compensation after a permanent failure', () => {
  for (const { step, effect, hang = [], undone } of CASES) {
    it(`undoes what was begun, newest first, when the ${step} step fails for good`, async (t) => {
      const doubles = new EffectDoubles().script(effect, () => permanent('INJECTED'));
      for (const name of hang) doubles.script(name, () => 'hang');
      const actor = await createService(doubles, { t });
      const snapshot = actor.getSnapshot();
      assert.equal(snapshot.value, 'failed');
      assert.equal(snapshot.status, 'active');
      const failure = snapshot.context.failure;
      assert.deepEqual(
        { phase: failure?.phase, step: failure?.step, code: failure?.code },
        { phase: step === 'allocate' ? 'allocating' : 'provisioning', step, code: 'INJECTED' },
      );
      assert.equal(typeof failure?.message, 'string');
      assert.deepEqual(undoneSteps(doubles), undone);
      for (const undoneStep of undoneSteps(doubles)) {
        assert.ok(doubles.callsOf(BEGUN_BY[undoneStep as ProvisionStep]).length > 0, `${undoneStep} was undone but never begun`);
      }
      assert.deepEqual(snapshot.context.ledger, []);
      assert.deepEqual(snapshot.context.compensationErrors, []);
      assert.deepEqual(doubles.aborted, hang, 'the effects still in flight are cancelled');
      assert.equal(effect === 'allocate' || snapshot.context.allocation !== null, true, 'the allocation is kept for retry');
    });
  }

  it('asks each inverse with the container, the site name and the step', async (t) => {
    const doubles = new EffectDoubles().script('verifyInstall', () => permanent());
    await createService(doubles, { t });
    assert.deepEqual(doubles.callsOf('undoStep')[0]?.input, { serviceId: INPUT.serviceId, vmid: ALLOCATION.vmid, fqdn: FQDN, step: 'ha' });
  });

  it('is busy while undoing and lands in failed only when the ledger is empty', async (t) => {
    const doubles = new EffectDoubles().script('registerHa', () => permanent()).script('undoStep', (call) => (call === 2 ? 'hang' : 'ok'));
    const actor = await createService(doubles, { t });
    const during = actor.getSnapshot();
    assert.ok(during.matches({ compensating: { undoing: 'running' } }));
    assert.ok(during.hasTag('busy'));
    assert.deepEqual(during.context.ledger, ['container', 'dnsRecord', 'proxyHost']);
    doubles.release('undoStep');
    await settle();
    assert.equal(actor.getSnapshot().value, 'failed');
  });

  it('records an inverse that fails for good and carries on with the others', async (t) => {
    const doubles = new EffectDoubles()
      .script('installWordPress', () => permanent('INSTALLER_CRASHED'))
      .script('undoStep', (_call, input) => ((input as { step: string }).step === 'dnsRecord' ? permanent('DNS_LOCKED') : 'ok'));
    const actor = await createService(doubles, { t });
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'failed');
    assert.deepEqual(undoneSteps(doubles), ['ha', 'proxyHost', 'dnsRecord', 'container']);
    assert.deepEqual(snapshot.context.compensationErrors, [{ step: 'dnsRecord', code: 'DNS_LOCKED', message: 'DNS_LOCKED (permanent, injected)' }]);
    assert.equal(snapshot.context.failure?.code, 'INSTALLER_CRASHED', 'the original failure stays the reason');
  });

  it('retries an inverse that fails transiently instead of recording it', async (t) => {
    const doubles = new EffectDoubles().script('registerHa', () => permanent()).script('undoStep', failTimes(1, transient()));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().value, 'failed');
    assert.deepEqual(undoneSteps(doubles), ['ha', 'ha', 'proxyHost', 'dnsRecord', 'container']);
    assert.deepEqual(actor.getSnapshot().context.compensationErrors, []);
  });

  it('clears the compensation errors when the failed phase is retried', async (t) => {
    const doubles = new EffectDoubles()
      .script('registerHa', failTimes(1, permanent()))
      .script('undoStep', (call) => (call === 1 ? permanent('UNDO_FAILED') : 'ok'));
    const actor = await createService(doubles, { t });
    assert.equal(actor.getSnapshot().context.compensationErrors.length, 1);
    actor.send({ type: 'retry' });
    await settle();
    assert.equal(actor.getSnapshot().value, 'active');
    assert.deepEqual(actor.getSnapshot().context.compensationErrors, []);
  });
});

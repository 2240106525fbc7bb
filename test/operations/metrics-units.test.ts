/**
 * The metrics' parts on their own: bounded transition labels, the effect timing wrapper
 * (results and errors pass through untouched; outcome and code are recorded), separate
 * registries per instance, the busy states against the machine, and the in-flight count that
 * graceful shutdown waits on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { serviceMachine } from '../../src/machines/service.machine.js';
import { instrumentEffects, observeAll, type EffectCall, type EffectOutcome } from '../../src/metrics/effect-timing.js';
import { InFlightEffects } from '../../src/metrics/in-flight-effects.js';
import { createMetrics, PROVISION_STATES } from '../../src/metrics/metrics.js';
import { BUSY_STATES } from '../../src/metrics/services-in-flight.js';
import { transitionLabels } from '../../src/metrics/transition-labels.js';

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('transition labels', () => {
  it('count by top-level state and event type, never by domain name or step path', () => {
    assert.deepEqual(
      transitionLabels({ from: 'provisioning.building.site.install.running|provisioning.building.dnsRecord.done', to: 'active', event: 'xstate.done.actor.checkLive' }),
      { machine: 'service', from: 'provisioning', to: 'active', event: 'xstate.done.actor.checkLive' },
    );
    assert.deepEqual(transitionLabels({ from: null, to: 'pending', event: 'xstate.init' }), { machine: 'service', from: 'none', to: 'pending', event: 'xstate.init' });
    assert.deepEqual(transitionLabels({ from: 'active', to: 'active', event: 'xstate.snapshot.domain:shop.example.com' }), {
      machine: 'domain', from: 'active', to: 'active', event: 'xstate.snapshot.domain',
    });
    assert.equal(transitionLabels({ from: 'active', to: 'active', event: 'xstate.done.actor.domain:a.b' }).event, 'xstate.done.actor.domain');
    assert.equal(transitionLabels({ from: 'active', to: 'active', event: 'domain.add' }).machine, 'service');
  });

  it('tame anything unexpected into a short label', () => {
    const { event } = transitionLabels({ from: 'a', to: 'b', event: `weird "event"\n${'x'.repeat(200)}` });
    assert.match(event, /^[A-Za-z0-9._:-]{1,80}$/);
  });
});

describe('instrumentEffects', () => {
  const calls: (EffectCall & EffectOutcome)[] = [];
  const observer = (call: EffectCall) => (outcome: EffectOutcome) => void calls.push({ ...call, ...outcome });
  const failure = new AppError('UPSTREAM_REJECTED', 'no', { system: 'proxmox' });
  const effects = instrumentEffects<{ good: (input: number, signal: AbortSignal) => Promise<number>; bad: (input: number, signal: AbortSignal) => Promise<void>; odd: (input: number, signal: AbortSignal) => Promise<void> }>(
    {
      good: async (input) => input * 2,
      bad: async () => Promise.reject(failure),
      odd: async (_input, signal) => {
        if (signal.aborted) throw new Error('aborted');
        throw new TypeError('a bug');
      },
    },
    { good: 'proxmox', bad: 'proxmox', odd: 'ssh' },
    observer,
  );

  it('pass results and errors through unchanged, recording outcome and code', async () => {
    calls.length = 0;
    assert.equal(await effects.good(21, new AbortController().signal), 42);
    await assert.rejects(effects.bad(1, new AbortController().signal), (error) => error === failure);
    await assert.rejects(effects.odd(1, new AbortController().signal), TypeError);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(effects.odd(1, aborted.signal), /aborted/);
    assert.deepEqual(calls, [
      { system: 'proxmox', operation: 'good', outcome: 'ok' },
      { system: 'proxmox', operation: 'bad', outcome: 'error', code: 'UPSTREAM_REJECTED' },
      { system: 'ssh', operation: 'odd', outcome: 'error', code: 'INTERNAL' },
      { system: 'ssh', operation: 'odd', outcome: 'cancelled' },
    ]);
  });

  it('leave the functions as they are without an observer', () => {
    const functions = { good: async () => 1 };
    assert.equal(instrumentEffects(functions, { good: 'x' }, undefined), functions);
  });
});

describe('createMetrics', () => {
  it('records effect durations and failures by code, in a registry of its own', async () => {
    const one = createMetrics({ defaultMetrics: false });
    const other = createMetrics({ defaultMetrics: false });
    one.effects({ system: 'cloudflare', operation: 'createDnsRecord' })({ outcome: 'ok' });
    const end = one.effects({ system: 'npm', operation: 'checkLive' });
    assert.equal(sample(await one.render(), 'provisiond_effects_in_flight', 'system="npm"'), 1);
    end({ outcome: 'error', code: 'SITE_NOT_LIVE' });
    one.countTransition({ from: 'pending', to: 'allocating', event: 'create' });
    const text = await one.render();
    assert.equal(sample(text, 'provisiond_effect_duration_seconds_count', 'system="cloudflare",operation="createDnsRecord",outcome="ok"'), 1);
    assert.equal(sample(text, 'provisiond_effect_duration_seconds_count', 'system="npm",operation="checkLive",outcome="error"'), 1);
    assert.equal(sample(text, 'provisiond_effect_failures_total', 'system="npm",operation="checkLive",code="SITE_NOT_LIVE"'), 1);
    assert.equal(sample(text, 'provisiond_effects_in_flight', 'system="npm"'), 0);
    assert.equal(sample(text, 'provisiond_transitions_total', 'machine="service",from="pending",to="allocating",event="create"'), 1);
    const untouched = await other.render();
    assert.equal(sample(untouched, 'provisiond_transitions_total', 'machine="service",from="pending",to="allocating",event="create"'), undefined);
    assert.doesNotMatch(untouched, /^process_cpu/m, 'default metrics were asked off');
  });

  it('reads gauges from the sources when scraped', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let pending = 3;
    metrics.watch({
      queues: () => ({ proxmox: { active: 10, pending } }),
      servicesInFlight: () => ({ pending: 1, provisioning: 2, deleting: 4 }),
      liveServices: () => 9,
    });
    let text = await metrics.render();
    assert.equal(sample(text, 'provisiond_queue_depth', 'system="proxmox",kind="active"'), 10);
    assert.equal(sample(text, 'provisiond_queue_depth', 'system="proxmox",kind="pending"'), 3);
    assert.equal(sample(text, 'provisiond_provisions_in_flight', ''), 3, 'pending + provisioning, not deleting');
    assert.equal(sample(text, 'provisiond_services_in_flight', 'state="deleting"'), 4);
    assert.equal(sample(text, 'provisiond_live_services', ''), 9);
    pending = 0;
    text = await metrics.render();
    assert.equal(sample(text, 'provisiond_queue_depth', 'system="proxmox",kind="pending"'), 0);
  });

  it('includes the default process metrics unless asked not to', async () => {
    assert.match(await createMetrics().render(), /^process_cpu_user_seconds_total /m);
  });
});

describe('the busy states', () => {
  it('are pending and exactly the top-level states the machine tags busy', () => {
    const states = serviceMachine.root.states;
    const busy = Object.entries(states).filter(([, node]) => node.tags.includes('busy')).map(([name]) => name);
    assert.deepEqual([...BUSY_STATES].sort(), ['pending', ...busy].sort());
    for (const state of PROVISION_STATES) assert.ok(state in states, `${state} is a top-level state`);
  });
});

describe('InFlightEffects', () => {
  it('settles when the last call ends, or reports false when the time is up', async () => {
    const tracker = new InFlightEffects();
    assert.equal(await tracker.settled(0), true, 'nothing in flight');
    const both = observeAll(tracker.observer, tracker.observer);
    const endFirst = tracker.observer({ system: 's', operation: 'a' });
    const endBoth = both({ system: 's', operation: 'b' });
    assert.equal(tracker.count, 3);
    assert.equal(await tracker.settled(20), false);
    const waiting = tracker.settled(5_000);
    endFirst({ outcome: 'ok' });
    endFirst({ outcome: 'ok' });
    assert.equal(tracker.count, 2, 'an end reported twice counts once');
    endBoth({ outcome: 'cancelled' });
    assert.equal(await waiting, true);
    assert.equal(tracker.count, 0);
  });
});

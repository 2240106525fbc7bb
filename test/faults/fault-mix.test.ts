/**
 * The fault mix does what it says, checked against the sandbox's own fault generator (no
 * processes): each system's operations are hit at the rate asked for (plus the specific kinds
 * and time-outs on top where the mix says so), every rule is one the control API accepts, and
 * no operation whose client waits minutes can be made to hang.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Faults, type FaultRule } from '../../src/sandbox/core/faults.js';
import { DNS_PUBLISH_GRACE, lateWrites, onceEach, sequential, transientMix, type MixRule } from './fault-mix.js';

const asRule = ({ times, ...rule }: MixRule): FaultRule => ({ ...rule, times: times === 'always' ? Infinity : times });

/** The share of `draws` calls of `op` that draw a fault that is not a mere delay. */
function observedRate(rules: readonly MixRule[], op: string, draws = 40_000): number {
  const faults = new Faults(42);
  for (const rule of rules) faults.inject(asRule(rule));
  let hit = 0;
  for (let i = 0; i < draws; i++) {
    const { fault, end } = faults.begin(op);
    end();
    if (fault !== undefined && fault.kind !== 'latency') hit++;
  }
  return hit / draws;
}

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 0.006, `${what}: observed ${actual.toFixed(4)}, expected ${expected.toFixed(4)}`);

describe('the transient fault mix', () => {
  it('turns weighted kinds into sequential probabilities that add up to the total', () => {
    const rules = sequential('x.op', 0.3, [
      { weight: 1, kind: { kind: 'reset' } },
      { weight: 2, kind: { kind: 'status', status: 503 } },
    ]);
    close(observedRate(rules, 'x.op'), 0.3, 'both kinds');
    close(observedRate(rules.slice(0, 1), 'x.op'), 0.1, 'the first kind alone');
  });

  it('hits a plain operation of every system at the rate (time-outs on top where they are allowed)', () => {
    const rate = 0.1;
    const share = 0.1;
    const rules = transientMix({ rate, timeoutShare: share });
    const withTimeouts = 1 - (1 - rate) * (1 - rate * share);
    for (const op of ['proxmox.cluster.resources', 'cloudflare.dns_records.list', 'npm.proxy_hosts.list', 'ispconfig.dns_zone_get', 'dns.query']) {
      close(observedRate(rules, op), withTimeouts, op);
    }
    // ssh.exec has no time-out of its own: the installer runs under it.
    close(observedRate(rules, 'ssh.exec'), rate, 'ssh.exec');
    close(observedRate(rules, 'npm.certbot.certonly'), rate, 'npm.certbot.certonly');
  });

  it('adds the system-specific kinds on top for the operations that have them', () => {
    const rate = 0.1;
    const rules = transientMix({ rate, timeoutShare: 0, specificShare: 0.5 });
    close(observedRate(rules, 'proxmox.lxc.destroy'), 1 - (1 - rate) * (1 - rate * 0.5), 'a Proxmox write that takes the CT lock');
    close(observedRate(rules, 'proxmox.ha.resources.create'), 1 - (1 - rate) * (1 - rate * 0.5), 'an HA write');
  });

  it('never lets a call hang whose client waits minutes: the installer, certificate orders, certbot', () => {
    const faults = new Faults(7);
    for (const rule of [...transientMix({ rate: 0.5, timeoutShare: 1 }), ...onceEach(), ...lateWrites()]) faults.inject(asRule(rule));
    for (const op of ['ssh.exec', 'ssh.ct.bash', 'npm.certificates.create', 'npm.certbot.certonly', 'npm.certbot.revoke']) {
      for (let i = 0; i < 2_000; i++) {
        const { fault, end } = faults.begin(op);
        end();
        assert.notEqual(fault?.kind, 'timeout', `${op} drew a time-out`);
        // certbot has no connection to reset: the sandbox reports a reset there as an ACME failure, which is permanent.
        if (op.startsWith('npm.certbot.')) assert.ok(fault === undefined || fault.kind === 'status', `${op} drew ${fault?.kind}`);
      }
    }
  });

  it('is made of rules the control API accepts', () => {
    for (const rule of [...transientMix({ rate: 0.5, timeoutShare: 1 }), ...onceEach(), ...lateWrites(), DNS_PUBLISH_GRACE]) {
      if (rule.kind === 'status') assert.ok(rule.status !== undefined && rule.status >= 1 && rule.status <= 599, JSON.stringify(rule));
      if (rule.probability !== undefined) assert.ok(rule.probability > 0 && rule.probability <= 1, JSON.stringify(rule));
      if (rule.latencyMs !== undefined) assert.ok(rule.latencyMs >= 0 && rule.latencyMs <= 600_000, JSON.stringify(rule));
      assert.ok(rule.times === 'always' || (Number.isInteger(rule.times) && rule.times >= 1), JSON.stringify(rule));
    }
    assert.throws(() => transientMix({ rate: 0.6 }), RangeError);
  });
});

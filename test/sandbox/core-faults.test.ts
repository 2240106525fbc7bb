import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency, TIMING_TABLE } from '../../src/sandbox/core/timing.js';
import { World } from '../../src/sandbox/core/world.js';

describe('fault injection', () => {
  it('hits exactly the matching calls, as many times as asked', () => {
    const faults = new Faults();
    faults.inject({ op: 'proxmox.lxc.create', kind: 'status', status: 500, times: 2 });
    const seen = [1, 2, 3].map(() => faults.begin('proxmox.lxc.create').fault?.status);
    assert.deepEqual(seen, [500, 500, undefined]);
    assert.equal(faults.begin('proxmox.lxc.start').fault, undefined);
    assert.deepEqual(faults.list(), []);
  });

  it('matches families by prefix and everything by *', () => {
    const faults = new Faults();
    faults.inject({ op: 'npm.*', kind: 'reset', times: Infinity });
    assert.equal(faults.begin('npm.tokens.create').fault?.kind, 'reset');
    assert.equal(faults.begin('cloudflare.dns_records.list').fault, undefined);
    faults.clear();
    faults.inject({ op: '*', kind: 'timeout' });
    assert.equal(faults.begin('anything').fault?.kind, 'timeout');
  });

  it('replays the same schedule from the same seed', () => {
    const schedule = (seed: number) => {
      const faults = new Faults(seed);
      faults.inject({ op: '*', kind: 'status', status: 502, times: Infinity, probability: 0.3 });
      return Array.from({ length: 200 }, () => (faults.begin('x').fault === undefined ? 0 : 1)).join('');
    };
    assert.equal(schedule(7), schedule(7));
    assert.notEqual(schedule(7), schedule(8));
    const hits = [...schedule(7)].filter((c) => c === '1').length;
    assert.ok(hits > 30 && hits < 90, `about 30% of 200 calls are faulted, got ${hits}`);
  });

  it('counts calls, calls in flight and the most in flight at once', () => {
    const faults = new Faults();
    faults.inject({ op: 'ssh.exec', kind: 'latency', latencyMs: 5 });
    const a = faults.begin('ssh.exec');
    const b = faults.begin('ssh.exec');
    b.end();
    b.end();
    const c = faults.begin('ssh.exec');
    assert.deepEqual(faults.counts()['ssh.exec'], { calls: 3, inFlight: 2, maxInFlight: 2, faulted: 1 });
    a.end();
    c.end();
    assert.equal(faults.counts()['ssh.exec']?.inFlight, 0);
  });

  it('refuses a status fault without a status', () => {
    assert.throws(() => new Faults().inject({ op: 'x', kind: 'status' }), RangeError);
  });
});

describe('the latency model', () => {
  it('scales the timing table and is instant at scale 0', async () => {
    assert.equal(new Latency(0.5).ms('proxmox.task.vzcreate'), TIMING_TABLE['proxmox.task.vzcreate'] * 500);
    assert.equal(new Latency(0).ms('ssh.installer'), 0);
    const started = Date.now();
    await new Latency(0).wait('ssh.installer');
    assert.ok(Date.now() - started < 50);
    assert.throws(() => new Latency(-1), RangeError);
  });

  it('makes a whole provisioning path take a few seconds by default', () => {
    const latency = new Latency();
    const path = (['proxmox.task.vzcreate', 'proxmox.task.vzstart', 'proxmox.ha', 'ssh.installer', 'proxmox.task.vzsnapshot'] as const)
      .map((op) => latency.ms(op))
      .reduce((a, b) => a + b, 0);
    assert.ok(path > 1_000 && path < 6_000, `the default critical path is ${path} ms`);
  });
});

describe('the shared world', () => {
  it('keeps TXT records by case-insensitive name without the trailing dot', () => {
    const world = new World();
    world.setTxt('_provisiond-challenge.Shop.Example.', ['abc']);
    assert.deepEqual(world.txt('_provisiond-challenge.shop.example'), ['abc']);
    world.setTxt('_provisiond-challenge.shop.example', []);
    assert.deepEqual(world.txt('_provisiond-challenge.shop.example'), []);
  });
});

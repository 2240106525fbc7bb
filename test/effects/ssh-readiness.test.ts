import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SshClient } from '../../src/effects/ssh/ssh-client.js';
import { failureOf, startHarness, type Harness } from './ssh-harness.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('awaitReady over pct exec', () => {
  let h: Harness;
  let client: SshClient;
  let effects: ReturnType<Harness['effects']>;

  before(async () => {
    h = await startHarness();
    client = h.client();
    effects = h.effects(client);
    h.addContainer(901, 'node1');
    h.addContainer(902, 'node2', 'stopped');
  });
  after(() => h.close());

  it('succeeds when the running container prints ready', async () => {
    await effects.awaitReady({ serviceId: 's1', vmid: 901 }, signal());
  });

  it('reports a stopped container as NOT_READY, retryable', async () => {
    const failure = await failureOf(effects.awaitReady({ serviceId: 's2', vmid: 902 }, signal()));
    assert.equal(failure.code, 'NOT_READY');
    assert.equal(failure.retryable, true);
    assert.equal(failure.system, 'ssh');
    assert.match(failure.message, /container '902' not running!/);
  });

  it('reports a container that is not on the resolved node as NOT_READY', async () => {
    const moved = h.effects(client, { resolveNode: async () => 'node2' });
    const failure = await failureOf(moved.awaitReady({ serviceId: 's1', vmid: 999 }, signal()));
    assert.equal(failure.code, 'NOT_READY');
    assert.equal(failure.retryable, true);
  });

  it('turns an injected non-zero exit into NOT_READY', async () => {
    h.faults.inject({ op: 'ssh.exec', kind: 'status', status: 255, message: "can't lock file '/run/lock/lxc/pve-config-901.lock' - got timeout" });
    const failure = await failureOf(effects.awaitReady({ serviceId: 's1', vmid: 901 }, signal()));
    assert.equal(failure.code, 'NOT_READY');
    assert.equal(failure.retryable, true);
  });

  it('turns a reset connection into a retryable UPSTREAM_UNAVAILABLE and reconnects on the next call', async () => {
    h.faults.inject({ op: 'ssh.exec', kind: 'reset' });
    const failure = await failureOf(effects.awaitReady({ serviceId: 's1', vmid: 901 }, signal()));
    assert.equal(failure.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(failure.retryable, true);
    await effects.awaitReady({ serviceId: 's1', vmid: 901 }, signal());
  });

  it('gives up on a command that never answers with a retryable UPSTREAM_TIMEOUT', async () => {
    const quick = h.effects(client, { timeouts: { readyMs: 150 } });
    h.faults.inject({ op: 'ssh.exec', kind: 'timeout' });
    const failure = await failureOf(quick.awaitReady({ serviceId: 's1', vmid: 901 }, signal()));
    assert.equal(failure.code, 'UPSTREAM_TIMEOUT');
    assert.equal(failure.retryable, true);
    // The connection itself is fine: the next probe (with the normal time budget: a busy CI
    // machine may need more than 150 ms) reuses it.
    await effects.awaitReady({ serviceId: 's1', vmid: 901 }, signal());
  });

  it('reports a node nobody listens on as a retryable UPSTREAM_UNAVAILABLE', async () => {
    const closed = h.client({ nodes: { node1: { host: '127.0.0.1', port: 1, hostKeySha256: h.hostKeySha256 } } });
    const failure = await failureOf(h.effects(closed).awaitReady({ serviceId: 's1', vmid: 901 }, signal()));
    assert.equal(failure.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(failure.retryable, true);
    assert.match(failure.message, /node "node1"/);
  });

  it('stops waiting when the signal aborts', async () => {
    h.faults.inject({ op: 'ssh.exec', kind: 'timeout' });
    const controller = new AbortController();
    const pending = failureOf(effects.awaitReady({ serviceId: 's1', vmid: 901 }, controller.signal));
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const failure = await pending;
    assert.ok(Date.now() - started < 5_000);
    assert.match(failure.message, /cancelled/);
    await effects.awaitReady({ serviceId: 's1', vmid: 901 }, signal());
  });

  it('passes a failure to resolve the node through unchanged', async () => {
    const broken = h.effects(client, { resolveNode: async () => Promise.reject(new Error('proxmox down')) });
    const failure = await failureOf(broken.awaitReady({ serviceId: 's1', vmid: 901 }, signal()));
    assert.equal(failure.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(failure.retryable, true);
  });
});

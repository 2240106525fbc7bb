import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startProxmox, type Sandbox } from './proxmox-harness.js';

describe('fault injection changes what a Proxmox client sees', () => {
  let pve: Sandbox;
  before(async () => {
    pve = await startProxmox();
  });
  beforeEach(() => {
    pve.faults.clear();
    pve.faults.resetCounters();
  });
  after(() => pve.close());

  it('answers a status fault in the Proxmox error shape', async () => {
    pve.faults.inject({ op: 'proxmox.lxc.create', kind: 'status', status: 500, message: "cfs-lock 'storage-drbd' error: got lock request timeout" });
    const reply = await pve.call('POST', '/nodes/node1/lxc', { body: { vmid: 100 } });
    assert.deepEqual(
      [reply.status, reply.statusText, reply.body],
      [500, "cfs-lock 'storage-drbd' error: got lock request timeout", { data: null, message: "cfs-lock 'storage-drbd' error: got lock request timeout\n" }],
    );
    // One shot: the next call is validated normally again.
    assert.equal((await pve.call('POST', '/nodes/node1/lxc', { body: { vmid: 100 } })).status, 400);
  });

  it('answers a 401 fault with an empty body, as pveproxy does', async () => {
    pve.faults.inject({ op: 'proxmox.*', kind: 'status', status: 401, message: 'Authentication failed!' });
    const reply = await pve.call('GET', '/version');
    assert.deepEqual([reply.status, reply.statusText, reply.text], [401, 'Authentication failed!', '']);
  });

  it('drops the connection on a reset fault', async () => {
    pve.faults.inject({ op: 'proxmox.tasks.status', kind: 'reset' });
    await assert.rejects(pve.call('GET', '/nodes/node1/tasks/x/status'));
  });

  it('never answers on a timeout fault, so the client timeout fires', async () => {
    pve.faults.inject({ op: 'proxmox.cluster.nextid', kind: 'timeout' });
    await assert.rejects(pve.call('GET', '/cluster/nextid', { timeoutMs: 150 }), (error: Error) => error.name === 'TimeoutError');
  });

  it('counts calls and the most in flight at once', async () => {
    pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'latency', latencyMs: 60, times: 3 });
    await Promise.all([1, 2, 3].map(() => pve.ok('GET', '/cluster/resources')));
    await pve.ok('GET', '/version');
    const counts = pve.faults.counts();
    assert.equal(counts['proxmox.cluster.resources']?.calls, 3);
    assert.equal(counts['proxmox.cluster.resources']?.maxInFlight, 3);
    assert.equal(counts['proxmox.cluster.resources']?.faulted, 3);
    assert.equal(counts['proxmox.cluster.resources']?.inFlight, 0);
    assert.equal(counts['proxmox.version.get']?.calls, 1);
  });
});

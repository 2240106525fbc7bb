import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInput, failure, SERVICE, signal, startPve, type Pve } from './proxmox-harness.js';

describe('Proxmox container effects', () => {
  let pve: Pve;
  before(async () => {
    pve = await startPve();
  });
  after(() => pve.close());

  const config = (vmid: number) => pve.raw('GET', `/nodes/node1/lxc/${vmid}/config`) as Promise<Record<string, unknown>>;

  it('creates a marked, unprivileged container, starts it and reports its node', async () => {
    const result = await pve.effects.createContainer(createInput(900), signal);
    assert.deepEqual(result, { node: 'node1' });
    const cfg = await config(900);
    assert.equal(cfg.description, `provisiond:${SERVICE}`);
    assert.equal(cfg.tags, 'provisiond;svc-svc-1001');
    assert.equal(cfg.hostname, 'site900.sandbox.test');
    assert.match(String(cfg.net0), /bridge=vmbr1/);
    assert.match(String(cfg.net0), /gw=127\.42\.0\.1/);
    assert.match(String(cfg.net0), /ip=127\.42\.0\.100\/24/);
    assert.match(String(cfg.rootfs), /^drbd:vm-900-disk-0,size=10G/);
    assert.deepEqual([cfg.memory, cfg.swap, cfg.cores, cfg.unprivileged, cfg.onboot, cfg.features], [1024, 512, 2, 1, 1, 'nesting=1']);
    assert.equal(pve.world.containers.get(900)?.status, 'running');
  });

  it('creates only one container when called twice', async () => {
    const before = pve.calls('proxmox.lxc.create');
    assert.deepEqual(await pve.effects.createContainer(createInput(900), signal), { node: 'node1' });
    assert.equal(pve.calls('proxmox.lxc.create'), before);
  });

  it('adopts and starts a marked container left stopped by a crash', async () => {
    await pve.createDirect(901, { description: `provisiond:${SERVICE}` });
    const before = pve.calls('proxmox.lxc.create');
    assert.deepEqual(await pve.effects.createContainer(createInput(901), signal), { node: 'node1' });
    assert.equal(pve.calls('proxmox.lxc.create'), before);
    assert.equal(pve.world.containers.get(901)?.status, 'running');
  });

  it('refuses a container without our marker and leaves it untouched', async () => {
    await pve.createDirect(902, { description: 'provisiond:someone-else' });
    const error = await failure(pve.effects.createContainer(createInput(902), signal));
    assert.deepEqual([error.code, error.retryable, error.system], ['NOT_OURS', false, 'proxmox']);
    assert.equal(pve.world.containers.get(902)?.status, 'stopped');
    assert.equal((await failure(pve.effects.destroyContainer({ serviceId: SERVICE, vmid: 902 }, signal))).code, 'NOT_OURS');
    assert.ok(pve.world.containers.has(902));
  });

  it('says whether a VMID is free for a service', async () => {
    assert.equal(await pve.effects.vmidFree({ serviceId: SERVICE, vmid: 999 }, signal), true);
    assert.equal(await pve.effects.vmidFree({ serviceId: SERVICE, vmid: 900 }, signal), true);
    assert.equal(await pve.effects.vmidFree({ serviceId: 'other', vmid: 900 }, signal), false);
    assert.equal(await pve.effects.vmidFree({ serviceId: SERVICE, vmid: 902 }, signal), false);
  });

  it('reports the status of its own container, and null when there is none', async () => {
    const status = await pve.effects.containerStatus({ serviceId: SERVICE, vmid: 900 }, signal);
    assert.ok(status !== null);
    assert.equal(status.status, 'running');
    assert.equal(status.node, 'node1');
    assert.equal(status.maxMemoryBytes, 1024 * 2 ** 20);
    assert.equal(status.maxDiskBytes, 10 * 2 ** 30);
    assert.ok(status.memoryBytes > 0 && status.diskBytes > 0);
    assert.equal(await pve.effects.containerStatus({ serviceId: SERVICE, vmid: 999 }, signal), null);
  });

  it('tells the node of its own container from one listing and the config, refuses a foreign one', async () => {
    pve.faults.resetCounters();
    assert.equal(await pve.effects.containerNode({ serviceId: SERVICE, vmid: 900 }, signal), 'node1');
    assert.deepEqual([pve.calls('proxmox.cluster.resources'), pve.calls('proxmox.lxc.config.get'), pve.calls('proxmox.lxc.status.current')], [1, 1, 0]);
    assert.equal(await pve.effects.containerNode({ serviceId: SERVICE, vmid: 999 }, signal), null);
    assert.equal((await failure(pve.effects.containerNode({ serviceId: 'other', vmid: 900 }, signal))).code, 'NOT_OURS');
  });

  it('reads the status from the node the ownership check found: one listing, not two', async () => {
    pve.faults.resetCounters();
    assert.equal((await pve.effects.containerStatus({ serviceId: SERVICE, vmid: 900 }, signal))?.node, 'node1');
    assert.deepEqual([pve.calls('proxmox.cluster.resources'), pve.calls('proxmox.lxc.config.get'), pve.calls('proxmox.lxc.status.current')], [1, 1, 1]);
  });

  it('changes memory in place and leaves an unchanged disk alone', async () => {
    await pve.effects.resizeContainer({ serviceId: SERVICE, vmid: 900, memoryMb: 2048, diskGb: 10, cores: 2 }, signal);
    assert.equal((await config(900)).memory, 2048);
  });

  it('works on a container wherever it lives, not only on the home node', async () => {
    await pve.createDirect(907, { description: `provisiond:${SERVICE}` }, 'node2');
    assert.deepEqual(await pve.effects.createContainer(createInput(907), signal), { node: 'node2' });
    const status = await pve.effects.containerStatus({ serviceId: SERVICE, vmid: 907 }, signal);
    assert.deepEqual([status?.node, status?.status], ['node2', 'running']);
    await pve.effects.destroyContainer({ serviceId: SERVICE, vmid: 907 }, signal);
    assert.equal(pve.world.containers.has(907), false);
  });

  it('destroys its own running container, and succeeds again when it is gone', async () => {
    await pve.effects.destroyContainer({ serviceId: SERVICE, vmid: 901 }, signal);
    assert.equal(pve.world.containers.has(901), false);
    await pve.effects.destroyContainer({ serviceId: SERVICE, vmid: 901 }, signal);
  });

  it('surfaces a refused create as a permanent rejection with the field errors', async () => {
    const error = await failure(pve.effects.createContainer({ ...createInput(903), privateIp: 'not-an-ip' }, signal));
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_REJECTED', false]);
    assert.match(error.message, /Parameter verification failed\. \(net0: /);
    assert.equal(pve.world.containers.has(903), false);
  });

  it('treats a container locked by a running create as locked, retryable', async () => {
    pve.faults.inject({ op: 'proxmox.lxc.create', kind: 'status', status: 500, message: "CT is locked (create)" });
    const error = await failure(pve.effects.createContainer(createInput(905), signal));
    assert.deepEqual([error.code, error.retryable], ['RESOURCE_LOCKED', true]);
  });

  it('treats a VMID taken by another node meanwhile as foreign', async () => {
    await pve.createDirect(906);
    const error = await failure(pve.effects.createContainer(createInput(906), signal));
    assert.equal(error.code, 'NOT_OURS');
  });
});

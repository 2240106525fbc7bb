/**
 * The operator commands' Proxmox effects against the simulator: restoring the `initial`
 * snapshot (the sandbox's snapshots hold the container's files, so a rollback is visible in
 * the world) and changing a container's resources.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createInput, failure, SERVICE, signal, startPve, type Pve } from './proxmox-harness.js';

const GIB = 2 ** 30;
const UPLOAD = '/var/www/html/wp-content/uploads/defaced.html';

// A small time scale: an HA manager round takes 75 ms, a snapshot 150 ms, a rollback 50 ms.
describe('Proxmox operator effects: restoring the initial snapshot', () => {
  let pve: Pve;
  const ref = (vmid: number) => ({ serviceId: SERVICE, vmid });
  const files = (vmid: number) => new Map(pve.world.containers.get(vmid)?.files);
  const state = (vmid: number) => pve.world.containers.get(vmid)?.status;
  const config = async (vmid: number) => (await pve.raw('GET', `/nodes/node1/lxc/${vmid}/config`)) as Record<string, unknown>;
  /** Tasks of any user (ours and the HA manager's) for the CT that ended in an error. */
  const failedTasks = async (vmid: number) =>
    ((await pve.raw('GET', `/nodes/node1/tasks?vmid=${vmid}&errors=1&source=all`)) as { type: string; status: string }[]).map((t) => `${t.type}: ${t.status}`);

  before(async () => {
    pve = await startPve(0.01);
  });
  after(() => pve.close());

  /** A site as provisioning leaves it: created, running, WordPress files, `initial` taken. */
  const provisioned = async (vmid: number): Promise<Map<string, string>> => {
    await pve.effects.createContainer(createInput(vmid), signal);
    pve.world.containers.get(vmid)?.files.set('/var/www/html/index.php', '<?php // fresh WordPress');
    await pve.effects.takeSnapshot(ref(vmid), signal);
    return files(vmid);
  };
  /** What happens to a live site afterwards: a file added, one changed, one removed. */
  const useSite = (vmid: number): void => {
    const ct = pve.world.containers.get(vmid);
    ct?.files.set(UPLOAD, '<h1>defaced</h1>');
    ct?.files.set('/var/www/html/index.php', '<?php // changed by a plugin');
    ct?.files.delete('/etc/os-release');
  };

  it('rolls the files back to the snapshot and leaves the container running, onboot on', async () => {
    const initial = await provisioned(940);
    assert.equal(await pve.effects.snapshotExists(ref(940), signal), true);
    useSite(940);
    await pve.raw('PUT', '/nodes/node1/lxc/940/config', { onboot: 0 }); // as a suspension leaves it
    assert.notDeepEqual(files(940), initial);

    await pve.effects.restoreSnapshot(ref(940), signal);
    assert.deepEqual(files(940), initial);
    assert.equal(state(940), 'running');
    assert.equal((await config(940)).onboot, 1);
    assert.deepEqual(await failedTasks(940), []);
  });

  it('does it again harmlessly when a resumed actor repeats it', async () => {
    const initial = files(940);
    const rollbacks = pve.calls('proxmox.lxc.snapshot.rollback');
    await pve.effects.restoreSnapshot(ref(940), signal);
    assert.equal(pve.calls('proxmox.lxc.snapshot.rollback'), rollbacks + 1);
    assert.deepEqual(files(940), initial);
    assert.equal(state(940), 'running');
    assert.equal(await pve.effects.snapshotExists(ref(940), signal), true, 'the snapshot survives its rollback');
  });

  it('brings an HA-managed container back through HA: running, requested state started, no fight with the CRM', async () => {
    const initial = await provisioned(941);
    await pve.effects.registerHa(ref(941), signal);
    useSite(941);

    await pve.effects.restoreSnapshot(ref(941), signal);
    assert.deepEqual(files(941), initial);
    assert.equal(state(941), 'running');
    const resource = (await pve.raw('GET', '/cluster/ha/resources/ct:941')) as Record<string, unknown>;
    assert.equal(resource.state, 'started');
    const status = (await pve.raw('GET', '/nodes/node1/lxc/941/status/current')) as { ha: { managed: number; state: string } };
    assert.deepEqual(status.ha, { managed: 1, state: 'started' });
    // Had the CRM tried to start the CT while the rollback held its lock, that start would be a failed task here.
    assert.deepEqual(await failedTasks(941), []);
    await sleep(200); // two HA manager rounds: nothing changes any more
    assert.equal(state(941), 'running');
    assert.deepEqual(await failedTasks(941), []);
  });

  it('says SNAPSHOT_MISSING, permanently, when there is no initial snapshot, and leaves the site as it is', async () => {
    await pve.effects.createContainer(createInput(942), signal);
    assert.equal(await pve.effects.snapshotExists(ref(942), signal), false);
    const before = pve.calls('proxmox.lxc.status.stop');
    const error = await failure(pve.effects.restoreSnapshot(ref(942), signal));
    assert.deepEqual([error.code, error.retryable, error.system], ['SNAPSHOT_MISSING', false, 'proxmox']);
    assert.equal(state(942), 'running');
    assert.equal(pve.calls('proxmox.lxc.status.stop'), before, 'nothing was stopped');
  });

  it('maps a snapshot that vanished before the rollback to SNAPSHOT_MISSING too', async () => {
    await provisioned(943);
    pve.faults.inject({ op: 'proxmox.lxc.snapshot.rollback', kind: 'status', status: 500, message: "snapshot 'initial' does not exist" });
    const error = await failure(pve.effects.restoreSnapshot(ref(943), signal));
    assert.deepEqual([error.code, error.retryable], ['SNAPSHOT_MISSING', false]);
  });

  it('refuses a container that is not ours and touches nothing', async () => {
    await pve.createDirect(944, { description: 'provisiond:someone-else' });
    await pve.raw('POST', '/nodes/node1/lxc/944/status/start').then((upid) => pve.waitTask(upid));
    await pve.raw('POST', '/nodes/node1/lxc/944/snapshot', { snapname: 'initial' }).then((upid) => pve.waitTask(upid));
    const before = await config(944);
    for (const run of [
      () => pve.effects.restoreSnapshot(ref(944), signal),
      () => pve.effects.snapshotExists(ref(944), signal),
      () => pve.effects.resizeContainer({ ...ref(944), memoryMb: 4096, diskGb: 40, cores: 4 }, signal),
    ]) {
      const error = await failure(run());
      assert.deepEqual([error.code, error.retryable], ['NOT_OURS', false]);
    }
    assert.equal(state(944), 'running');
    assert.deepEqual(await config(944), before);
  });

  it('fails permanently when the container does not exist', async () => {
    for (const run of [
      () => pve.effects.restoreSnapshot(ref(949), signal),
      () => pve.effects.resizeContainer({ ...ref(949), memoryMb: 1024, diskGb: 10, cores: 1 }, signal),
    ]) {
      const error = await failure(run());
      assert.deepEqual([error.code, error.retryable], ['UPSTREAM_REJECTED', false]);
      assert.match(error.message, /does not exist/);
    }
    assert.equal(await pve.effects.snapshotExists(ref(949), signal), false);
  });
});

describe('Proxmox operator effects: changing resources', () => {
  let pve: Pve;
  const ref = (vmid: number) => ({ serviceId: SERVICE, vmid });
  const config = async (vmid: number) => (await pve.raw('GET', `/nodes/node1/lxc/${vmid}/config`)) as Record<string, unknown>;
  const writes = () => pve.calls('proxmox.lxc.config.update') + pve.calls('proxmox.lxc.resize');

  before(async () => {
    pve = await startPve();
    await pve.effects.createContainer(createInput(950), signal); // 1024 MB, 2 cores, 10 GB
  });
  after(() => pve.close());

  it('sets memory and cores and grows the disk of a running container', async () => {
    await pve.effects.resizeContainer({ ...ref(950), memoryMb: 4096, diskGb: 40, cores: 4 }, signal);
    const cfg = await config(950);
    assert.deepEqual([cfg.memory, cfg.cores], [4096, 4]);
    assert.match(String(cfg.rootfs), /^drbd:vm-950-disk-0,size=40G$/);
    const status = await pve.effects.containerStatus(ref(950), signal);
    assert.deepEqual([status?.status, status?.maxMemoryBytes, status?.maxDiskBytes], ['running', 4096 * 2 ** 20, 40 * GIB]);
  });

  it('changes nothing when repeated', async () => {
    const before = writes();
    await pve.effects.resizeContainer({ ...ref(950), memoryMb: 4096, diskGb: 40, cores: 4 }, signal);
    assert.equal(writes(), before);
  });

  it('changes only what differs: cores alone is one config write, no resize', async () => {
    const resizes = pve.calls('proxmox.lxc.resize');
    await pve.effects.resizeContainer({ ...ref(950), memoryMb: 4096, diskGb: 40, cores: 2 }, signal);
    assert.equal((await config(950)).cores, 2);
    assert.equal(pve.calls('proxmox.lxc.resize'), resizes);
  });

  it('refuses a smaller disk with DISK_SHRINK_REFUSED before changing anything else', async () => {
    const before = writes();
    const error = await failure(pve.effects.resizeContainer({ ...ref(950), memoryMb: 2048, diskGb: 20, cores: 1 }, signal));
    assert.deepEqual([error.code, error.retryable, error.system], ['DISK_SHRINK_REFUSED', false, 'proxmox']);
    assert.match(error.message, /from 40 GiB to 20 GiB/);
    assert.equal(writes(), before);
    const cfg = await config(950);
    assert.deepEqual([cfg.memory, cfg.cores], [4096, 2]);
    assert.match(String(cfg.rootfs), /size=40G/);
  });

  it('takes Proxmox\'s own shrink refusal (a config read before someone grew it) as DISK_SHRINK_REFUSED', async () => {
    pve.faults.inject({ op: 'proxmox.lxc.resize', kind: 'status', status: 500, message: 'unable to shrink disk size' });
    const error = await failure(pve.effects.resizeContainer({ ...ref(950), memoryMb: 4096, diskGb: 50, cores: 2 }, signal));
    assert.deepEqual([error.code, error.retryable], ['DISK_SHRINK_REFUSED', false]);
  });

  it('takes "already at specified size" (a parallel run grew it first) as done', async () => {
    pve.faults.inject({ op: 'proxmox.lxc.resize', kind: 'status', status: 500, message: 'disk is already at specified size' });
    await pve.effects.resizeContainer({ ...ref(950), memoryMb: 4096, diskGb: 60, cores: 2 }, signal);
  });
});

describe('the simulator\'s PUT …/resize, as pve-container resize_vm answers', () => {
  let pve: Pve;
  const put = (body: Record<string, string>) => pve.raw('PUT', '/nodes/node1/lxc/960/resize', body);
  const rootfs = async () => String(((await pve.raw('GET', '/nodes/node1/lxc/960/config')) as Record<string, unknown>).rootfs);

  before(async () => {
    pve = await startPve();
    await pve.createDirect(960); // rootfs drbd:8
  });
  after(() => pve.close());

  it('grows to an absolute size or by a `+` increment in a `resize` task, and writes size= as format_size does', async () => {
    const upid = await put({ disk: 'rootfs', size: '10G' });
    assert.match(String(upid), /:resize:960:/);
    assert.equal(await pve.waitTask(upid), 'OK');
    assert.equal(await rootfs(), 'drbd:vm-960-disk-0,size=10G');
    assert.equal(await pve.waitTask(await put({ disk: 'rootfs', size: '+512M' })), 'OK');
    assert.equal(await rootfs(), 'drbd:vm-960-disk-0,size=10752M');
    assert.equal(await pve.waitTask(await put({ disk: 'rootfs', size: '1T' })), 'OK');
    assert.equal(await rootfs(), 'drbd:vm-960-disk-0,size=1T');
  });

  it('refuses to shrink and to "resize" to the same size, synchronously', async () => {
    await assert.rejects(put({ disk: 'rootfs', size: '512G' }), /^Error: 500 unable to shrink disk size/);
    await assert.rejects(put({ disk: 'rootfs', size: '1024G' }), /^Error: 500 disk is already at specified size/);
    await assert.rejects(put({ disk: 'rootfs', size: '+0' }), /^Error: 500 disk is already at specified size/);
  });

  it('validates the parameters against the schema', async () => {
    await assert.rejects(put({ disk: 'rootfs', size: '-2G' }), /^Error: 400 Parameter verification failed/);
    await assert.rejects(put({ disk: 'root', size: '20G' }), /^Error: 400 Parameter verification failed/);
    await assert.rejects(put({ disk: 'mp0', size: '20G' }), /^Error: 500 /);
  });
});

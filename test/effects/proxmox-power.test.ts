import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createInput, failure, SERVICE, signal, startPve, type Pve } from './proxmox-harness.js';

// A small time scale: a shutdown takes 40 ms, an HA manager round 75 ms, a snapshot 150 ms.
describe('Proxmox power and snapshot effects', () => {
  let pve: Pve;
  const ref = (vmid: number) => ({ serviceId: SERVICE, vmid });
  const state = (vmid: number) => pve.world.containers.get(vmid)?.status;
  const onboot = async (vmid: number) => ((await pve.raw('GET', `/nodes/node1/lxc/${vmid}/config`)) as Record<string, unknown>).onboot;

  before(async () => {
    pve = await startPve(0.01);
    await Promise.all([920, 921, 922, 923].map((vmid) => pve.effects.createContainer(createInput(vmid), signal)));
  });
  after(() => pve.close());

  it('shuts a container down cleanly and keeps it down after a node reboot', async () => {
    await pve.effects.shutdownContainer({ ...ref(920), timeoutSeconds: 5 }, signal);
    assert.equal(state(920), 'stopped');
    assert.equal(await onboot(920), 0);
  });

  it('counts an already stopped container as shut down', async () => {
    await pve.effects.shutdownContainer({ ...ref(920), timeoutSeconds: 5 }, signal);
    assert.equal(state(920), 'stopped');
  });

  it('starts it again and lets it boot with the node', async () => {
    await pve.effects.startContainer(ref(920), signal);
    assert.equal(state(920), 'running');
    assert.equal(await onboot(920), 1);
    await pve.effects.startContainer(ref(920), signal);
  });

  it('gives up with SHUTDOWN_TIMEOUT, not retryable, when the guest takes too long', async () => {
    const error = await failure(pve.effects.shutdownContainer({ ...ref(921), timeoutSeconds: 0.01 }, signal));
    assert.deepEqual([error.code, error.retryable], ['SHUTDOWN_TIMEOUT', false]);
  });

  it('force-stops a container and counts a stopped or vanished one as stopped', async () => {
    await pve.effects.stopContainer(ref(922), signal);
    assert.equal(state(922), 'stopped');
    await pve.effects.stopContainer(ref(922), signal);
    await pve.effects.stopContainer(ref(999), signal);
  });

  it('drives an HA-managed container through its HA state so the CRM keeps it down', async () => {
    await pve.effects.registerHa(ref(923), signal);
    await pve.effects.shutdownContainer({ ...ref(923), timeoutSeconds: 5 }, signal);
    assert.equal(state(923), 'stopped');
    const resource = (await pve.raw('GET', '/cluster/ha/resources/ct:923')) as Record<string, unknown>;
    assert.equal(resource.state, 'stopped');
    await sleep(200); // two HA manager rounds
    assert.equal(state(923), 'stopped');
    await pve.effects.startContainer(ref(923), signal);
    assert.equal(state(923), 'running');
    assert.equal(((await pve.raw('GET', '/cluster/ha/resources/ct:923')) as Record<string, unknown>).state, 'started');
    await pve.effects.stopContainer(ref(923), signal);
    await sleep(200);
    assert.equal(state(923), 'stopped');
  });

  it('refuses to switch off a container that is not ours', async () => {
    await pve.createDirect(924, { description: 'hand made' });
    await pve.raw('POST', '/nodes/node1/lxc/924/status/start').then((upid) => pve.waitTask(upid));
    for (const run of [
      () => pve.effects.shutdownContainer({ ...ref(924), timeoutSeconds: 5 }, signal),
      () => pve.effects.stopContainer(ref(924), signal),
      () => pve.effects.startContainer(ref(924), signal),
      () => pve.effects.takeSnapshot(ref(924), signal),
      () => pve.effects.deleteSnapshots(ref(924), signal),
    ]) {
      assert.equal((await failure(run())).code, 'NOT_OURS');
    }
    assert.equal(state(924), 'running');
  });

  it('takes the initial snapshot once', async () => {
    await pve.effects.takeSnapshot(ref(920), signal);
    const creates = pve.calls('proxmox.lxc.snapshot.create');
    await pve.effects.takeSnapshot(ref(920), signal);
    assert.equal(pve.calls('proxmox.lxc.snapshot.create'), creates);
    const list = (await pve.raw('GET', '/nodes/node1/lxc/920/snapshot')) as { name: string; description?: string }[];
    assert.deepEqual(list.map((s) => s.name), ['initial', 'current']);
    assert.equal(list[0]?.description, `provisiond:${SERVICE}`);
  });

  it('deletes every snapshot of its container, and succeeds again when there are none', async () => {
    await pve.waitTask(await pve.raw('POST', '/nodes/node1/lxc/920/snapshot', { snapname: 'later' }));
    await pve.effects.deleteSnapshots(ref(920), signal);
    const list = (await pve.raw('GET', '/nodes/node1/lxc/920/snapshot')) as { name: string }[];
    assert.deepEqual(list.map((s) => s.name), ['current']);
    await pve.effects.deleteSnapshots(ref(920), signal);
    await pve.effects.deleteSnapshots(ref(999), signal);
  });

  it('reports an interrupted create task as TASK_FAILED, retryable', async () => {
    const running = pve.effects.createContainer(createInput(925), signal);
    let upid: string | undefined;
    for (let i = 0; i < 200 && upid === undefined; i++) {
      const tasks = (await pve.raw('GET', '/nodes/node1/tasks?source=active&typefilter=vzcreate')) as { upid: string; id: string }[];
      upid = tasks.find((t) => t.id === '925')?.upid;
      if (upid === undefined) await sleep(5);
    }
    assert.ok(upid !== undefined);
    await pve.raw('DELETE', `/nodes/node1/tasks/${encodeURIComponent(upid)}`);
    const error = await failure(running);
    assert.deepEqual([error.code, error.retryable], ['TASK_FAILED', true]);
    assert.match(error.message, /received interrupt/);
    assert.equal(pve.world.containers.has(925), false);
  });
});

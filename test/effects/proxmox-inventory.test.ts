/**
 * The Proxmox inventory against the simulator: every LXC container with the owner its
 * description's marker line names (null without one), its node, its live power state from
 * status/current, and its address; containers made by the effects, by hand, and by someone
 * else side by side.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProxmoxInventory, ipOfNet, ownerOfDescription } from '../../src/effects/proxmox/inventory.js';
import { createInput, signal, startPve, type Pve } from './proxmox-harness.js';

describe('Proxmox inventory', () => {
  let pve: Pve;
  before(async () => {
    pve = await startPve(0);
    await pve.effects.createContainer(createInput(1001, 'svc-a'), signal);
    // Someone else's container, and two marked by hand (one as a leftover of a service, one with notes around the marker).
    await pve.createDirect(1002, { description: 'build box: provisiond:svc-a is not a line of its own' });
    await pve.createDirect(1003, { description: 'provisiond:ghost-7', tags: 'provisiond;svc-ghost-7' }, 'node2');
    await pve.createDirect(1004, { description: 'moved by ops\nprovisiond:svc-b\nticket 42' });
    await pve.waitTask(await pve.raw('POST', '/nodes/node1/lxc/1004/status/start'));
  });
  after(async () => pve.close());

  it('lists every container with its owner, node, power state and address', async () => {
    const inventory = createProxmoxInventory(pve.client);
    assert.deepEqual(await inventory.containers(signal), [
      { vmid: 1001, node: 'node1', status: 'running', owner: 'svc-a', ip: '127.42.0.1' },
      { vmid: 1002, node: 'node1', status: 'stopped', owner: null, ip: '127.42.0.2' },
      { vmid: 1003, node: 'node2', status: 'stopped', owner: 'ghost-7', ip: '127.42.0.3' },
      { vmid: 1004, node: 'node1', status: 'running', owner: 'svc-b', ip: '127.42.0.4' },
    ]);
  });

  it('reads the power state live: a stop shows at once', async () => {
    await pve.waitTask(await pve.raw('POST', '/nodes/node1/lxc/1004/status/stop'));
    const inventory = createProxmoxInventory(pve.client);
    const ct = (await inventory.containers(signal)).find((c) => c.vmid === 1004);
    assert.equal(ct?.status, 'stopped');
  });

  it('reads a marker only as a line of its own, and a static address only', () => {
    assert.equal(ownerOfDescription('provisiond:12345'), '12345');
    assert.equal(ownerOfDescription('  provisiond:svc.1-a_b  \nmore'), 'svc.1-a_b');
    assert.equal(ownerOfDescription('see provisiond:svc-1'), null);
    assert.equal(ownerOfDescription('provisiond:'), null);
    assert.equal(ownerOfDescription(undefined), null);
    assert.equal(ipOfNet('name=eth0,bridge=vmbr1,ip=192.168.1.105/24,gw=192.168.1.1'), '192.168.1.105');
    assert.equal(ipOfNet('name=eth0,bridge=vmbr1,ip=dhcp'), null);
    assert.equal(ipOfNet(undefined), null);
  });
});

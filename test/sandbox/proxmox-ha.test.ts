import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Latency } from '../../src/sandbox/core/timing.js';
import { assertShape, eventually, startProxmox, TEMPLATE, type Sandbox } from './proxmox-harness.js';

const LOCK = "error with cfs lock 'domain-ha'";

describe('the Proxmox simulator manages HA resources and PVE 9 rules', () => {
  let pve: Sandbox;
  const status = (vmid: number) => pve.world.containers.get(vmid)?.status;

  before(async () => {
    // An HA manager round is 7.5 model seconds: 30 ms here; a start 12 ms.
    pve = await startProxmox({ latency: new Latency(0.004) });
    const upid = await pve.ok('POST', '/nodes/node2/lxc', {
      body: { vmid: 500, ostemplate: TEMPLATE, rootfs: 'drbd:20', net0: 'name=eth0,bridge=vmbr1,ip=127.0.10.50/24', unprivileged: 1 },
    });
    await pve.waitTask(upid as string);
  });
  after(() => pve.close());

  it('refuses HA resources for containers that do not exist', async () => {
    const reply = await pve.call('POST', '/cluster/ha/resources', { body: { sid: 'ct:999' } });
    assert.deepEqual([reply.status, reply.body?.message], [500, "resource 'ct:999' does not exist in cluster\n"]);
    const bare = await pve.call('POST', '/cluster/ha/resources', { body: { sid: '999' } });
    assert.equal(bare.body?.message, 'unable do detect SID from VMID - VM/CT 999 does not exist\n');
  });

  it('creates, reads, lists and refuses to duplicate a resource', async () => {
    await pve.ok('POST', '/cluster/ha/resources', { body: { sid: 'ct:500', state: 'stopped', max_restart: 3, max_relocate: 2, comment: 'provisiond' } });
    const resource = (await pve.ok('GET', '/cluster/ha/resources/ct:500')) as Record<string, unknown>;
    assertShape('GET', '/cluster/ha/resources/{sid}', resource);
    assert.deepEqual(
      [resource.sid, resource.type, resource.state, resource.max_restart, resource.max_relocate, resource.comment],
      ['ct:500', 'ct', 'stopped', 3, 2, 'provisiond'],
    );
    const list = await pve.ok('GET', '/cluster/ha/resources', { query: { type: 'ct' } });
    assertShape('GET', '/cluster/ha/resources', list);
    assert.deepEqual((list as { sid: string }[]).map((r) => r.sid), ['ct:500']);
    const again = await pve.call('POST', '/cluster/ha/resources', { body: { sid: 'ct:500' } });
    assert.deepEqual([again.status, again.body?.message], [500, `create resource failed: ${LOCK}: resource ID 'ct:500' already defined\n`]);
    const missing = await pve.call('GET', '/cluster/ha/resources/ct:501');
    assert.equal(missing.body?.message, "no such resource 'ct:501'\n");
  });

  it('rejects a rule naming a resource HA does not manage', async () => {
    const reply = await pve.call('POST', '/cluster/ha/rules', { body: { type: 'node-affinity', rule: 'ct-777', resources: 'ct:777', nodes: 'node1,node2' } });
    assert.equal(reply.status, 500);
    assert.equal(reply.statusText, `create ha rule failed: ${LOCK}: cannot use unmanaged resource(s) ct:777.`);
    const nodes = await pve.call('POST', '/cluster/ha/rules', { body: { type: 'node-affinity', rule: 'ct-500', resources: 'ct:500', nodes: 'node1,node7' } });
    assert.equal(nodes.body?.message, `create ha rule failed: ${LOCK}: cannot use non-existant node(s) node7.\n`);
    const noNodes = await pve.call('POST', '/cluster/ha/rules', { body: { type: 'node-affinity', rule: 'ct-500', resources: 'ct:500' } });
    assert.deepEqual([noNodes.status, noNodes.body?.errors], [400, { nodes: 'property is missing and it is not optional' }]);
  });

  it('creates a node-affinity rule and keeps a resource in one such rule only', async () => {
    await pve.ok('POST', '/cluster/ha/rules', { body: { type: 'node-affinity', rule: 'ct-500', resources: 'ct:500', nodes: 'node2,node1', comment: 'home node2' } });
    const rule = (await pve.ok('GET', '/cluster/ha/rules/ct-500')) as Record<string, unknown>;
    assertShape('GET', '/cluster/ha/rules/{rule}', rule);
    assert.deepEqual([rule.type, rule.resources, rule.nodes, rule.strict], ['node-affinity', 'ct:500', 'node1,node2', 0]);
    const listed = await pve.ok('GET', '/cluster/ha/rules', { query: { resource: 'ct:500' } });
    assertShape('GET', '/cluster/ha/rules', listed);
    assert.equal((listed as unknown[]).length, 1);
    const second = await pve.call('POST', '/cluster/ha/rules', { body: { type: 'node-affinity', rule: 'other', resources: 'ct:500', nodes: 'node1' } });
    assert.equal(second.status, 500);
    assert.equal(second.body?.message, "create ha rule failed: 400 Rule 'other' is invalid.\nresources: resource 'ct:500' is already used in another node affinity rule\n");
  });

  it('keeps a resource with requested state "stopped" down', async () => {
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(status(500), 'stopped');
    const resources = (await pve.ok('GET', '/cluster/resources', { query: { type: 'vm' } })) as Record<string, unknown>[];
    assert.equal(resources[0]?.hastate, 'stopped');
  });

  it('finishes an HA start when it is queued and starts the container afterwards', async () => {
    const upid = (await pve.ok('POST', '/nodes/node2/lxc/500/status/start')) as string;
    const task = await pve.waitTask(upid);
    assert.deepEqual([task.type, task.exitstatus], ['hastart', 'OK']);
    assert.equal(status(500), 'stopped', 'the CRM has not acted yet');
    assert.equal(((await pve.ok('GET', '/cluster/ha/resources/ct:500')) as Record<string, unknown>).state, 'started');
    await eventually(() => status(500) === 'running');
    const current = (await pve.ok('GET', '/nodes/node2/lxc/500/status/current')) as Record<string, unknown>;
    assert.deepEqual(current.ha, { managed: 1, state: 'started' });
    const ha = (await pve.ok('GET', '/cluster/ha/status/current')) as Record<string, unknown>[];
    assertShape('GET', '/cluster/ha/status/current', ha);
    assert.deepEqual(ha.filter((e) => e.type === 'service').map((e) => [e.id, e.node, e.request_state, e.status]), [['service:ct:500', 'node2', 'started', 'started']]);
  });

  it('brings a "started" container back when it stops behind HA\'s back', async () => {
    const world = pve.world.containers.get(500);
    assert.ok(world !== undefined);
    world.status = 'stopped';
    pve.world.containerChanged(500);
    await eventually(() => status(500) === 'running');
  });

  it('turns a shutdown into hastop, which sets the requested state and ends at once', async () => {
    const task = await pve.waitTask((await pve.ok('POST', '/nodes/node2/lxc/500/status/shutdown')) as string);
    assert.deepEqual([task.type, task.exitstatus], ['hastop', 'OK']);
    assert.equal(((await pve.ok('GET', '/cluster/ha/resources/ct:500')) as Record<string, unknown>).state, 'stopped');
    await eventually(() => status(500) === 'stopped');
  });

  it('needs purge=1 to destroy an HA-managed container, and purges resource and rules', async () => {
    const refused = await pve.call('DELETE', '/nodes/node2/lxc/500');
    assert.deepEqual([refused.status, refused.body?.message], [500, 'unable to remove CT 500 - used in HA resources and purge parameter not set.\n']);
    const done = await pve.waitTask((await pve.ok('DELETE', '/nodes/node2/lxc/500', { query: { purge: 1, force: 1 } })) as string);
    assert.equal(done.exitstatus, 'OK');
    assert.deepEqual(await pve.ok('GET', '/cluster/ha/resources'), []);
    assert.deepEqual(await pve.ok('GET', '/cluster/ha/rules'), []);
  });

  it('updates and deletes resources and rules', async () => {
    await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc', { body: { vmid: 501, ostemplate: TEMPLATE, rootfs: 'drbd:8' } })) as string);
    await pve.ok('POST', '/cluster/ha/resources', { body: { sid: '501', state: 'stopped' } });
    const { digest } = (await pve.ok('GET', '/cluster/ha/resources/ct:501')) as { digest: string };
    await pve.ok('PUT', '/cluster/ha/resources/ct:501', { body: { comment: 'again', max_restart: 2, digest } });
    const stale = await pve.call('PUT', '/cluster/ha/resources/ct:501', { body: { comment: 'x', digest } });
    assert.equal(stale.body?.message, 'detected modified configuration - file changed by other user? Try again.\n');
    await pve.ok('PUT', '/cluster/ha/resources/ct:501', { body: { delete: 'comment' } });
    const resource = (await pve.ok('GET', '/cluster/ha/resources/ct:501')) as Record<string, unknown>;
    assert.deepEqual([resource.comment, resource.max_restart], [undefined, 2]);
    await pve.ok('POST', '/cluster/ha/rules', { body: { type: 'node-affinity', rule: 'ct-501', resources: 'ct:501', nodes: 'node1:2,node2:1', strict: 1 } });
    await pve.ok('PUT', '/cluster/ha/rules/ct-501', { body: { type: 'node-affinity', nodes: 'node1' } });
    assert.equal(((await pve.ok('GET', '/cluster/ha/rules/ct-501')) as Record<string, unknown>).nodes, 'node1');
    await pve.ok('DELETE', '/cluster/ha/rules/ct-501');
    await pve.ok('DELETE', '/cluster/ha/resources/ct:501');
    const gone = await pve.call('DELETE', '/cluster/ha/resources/ct:501');
    assert.equal(gone.body?.message, "resource 'ct:501' is not HA managed\n");
  });

  it('adds the HA resource itself when created with ha-managed=1 and start=1', async () => {
    const body = { vmid: 502, ostemplate: TEMPLATE, rootfs: 'drbd:8', start: 1, 'ha-managed': 1 };
    const task = await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc', { body })) as string);
    assert.equal(task.exitstatus, 'OK');
    assert.equal(status(502), 'running');
    const resource = (await pve.ok('GET', '/cluster/ha/resources/ct:502')) as Record<string, unknown>;
    assert.equal(resource.state, 'started');
  });
});

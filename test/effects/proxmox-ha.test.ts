import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInput, failure, SERVICE, signal, startPve, type Pve } from './proxmox-harness.js';

describe('Proxmox HA effects', () => {
  let pve: Pve;
  const ref = (vmid: number) => ({ serviceId: SERVICE, vmid });
  before(async () => {
    pve = await startPve();
    await pve.effects.createContainer(createInput(910), signal);
  });
  after(() => pve.close());

  const resource = (vmid: number) => pve.raw('GET', `/cluster/ha/resources/ct:${vmid}`) as Promise<Record<string, unknown>>;
  const rule = (vmid: number) => pve.raw('GET', `/cluster/ha/rules/provisiond-${vmid}`) as Promise<Record<string, unknown>>;

  it('registers the container with HA and pins it to the configured nodes', async () => {
    await pve.effects.registerHa(ref(910), signal);
    const r = await resource(910);
    assert.deepEqual([r.state, r.max_restart, r.max_relocate, r.comment], ['started', 3, 2, `provisiond:${SERVICE}`]);
    const ru = await rule(910);
    assert.deepEqual([ru.type, ru.resources, ru.nodes, ru.comment], ['node-affinity', 'ct:910', 'node1,node2', `provisiond:${SERVICE}`]);
    assert.equal(pve.world.containers.get(910)?.status, 'running');
  });

  it('does nothing more when called again', async () => {
    const creates = pve.calls('proxmox.ha.resources.create') + pve.calls('proxmox.ha.rules.create');
    const updates = pve.calls('proxmox.ha.resources.update') + pve.calls('proxmox.ha.rules.update');
    await pve.effects.registerHa(ref(910), signal);
    assert.equal(pve.calls('proxmox.ha.resources.create') + pve.calls('proxmox.ha.rules.create'), creates);
    assert.equal(pve.calls('proxmox.ha.resources.update') + pve.calls('proxmox.ha.rules.update'), updates);
  });

  it('adopts a marked HA resource from before a crash and fixes its limits', async () => {
    await pve.effects.createContainer(createInput(911), signal);
    await pve.raw('POST', '/cluster/ha/resources', { sid: 'ct:911', state: 'started', max_restart: 1, comment: `provisiond:${SERVICE}` });
    await pve.effects.registerHa(ref(911), signal);
    const r = await resource(911);
    assert.deepEqual([r.max_restart, r.max_relocate], [3, 2]);
    assert.equal((await rule(911)).resources, 'ct:911');
  });

  it('refuses an HA resource someone else made for the container', async () => {
    await pve.effects.createContainer(createInput(912), signal);
    await pve.raw('POST', '/cluster/ha/resources', { sid: 'ct:912', state: 'started', comment: 'managed by hand' });
    const error = await failure(pve.effects.registerHa(ref(912), signal));
    assert.deepEqual([error.code, error.retryable], ['NOT_OURS', false]);
    assert.equal((await resource(912)).comment, 'managed by hand');
    assert.equal((await failure(pve.effects.removeHa(ref(912), signal))).code, 'NOT_OURS');
    assert.equal((await resource(912)).comment, 'managed by hand');
  });

  it('refuses to put a foreign container under HA', async () => {
    await pve.createDirect(913);
    assert.equal((await failure(pve.effects.registerHa(ref(913), signal))).code, 'NOT_OURS');
    await assert.rejects(resource(913), /no such resource/);
  });

  it('falls back to HA groups when the server has no rules API, and says clearly when that fails', async () => {
    await pve.effects.createContainer(createInput(914), signal);
    pve.faults.inject({ op: 'proxmox.ha.rules.get', kind: 'status', status: 501, message: "Method 'GET /cluster/ha/rules/provisiond-914' not implemented" });
    const error = await failure(pve.effects.registerHa(ref(914), signal));
    // The simulator is PVE 9: its groups API answers 501 as well.
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_REJECTED', false]);
    assert.match(error.message, /no HA rules API \(PVE 8\?\) and the HA group fallback failed: GET \/cluster\/ha\/groups\/provisiond: Method 'GET \/cluster\/ha\/groups\/provisiond' not implemented/);
    assert.equal((await resource(914)).comment, `provisiond:${SERVICE}`);
  });

  it('removes its rule and resource, and succeeds again when they are gone', async () => {
    await pve.effects.removeHa(ref(910), signal);
    await assert.rejects(resource(910), /no such resource/);
    await assert.rejects(rule(910), /no such ha rule/);
    assert.equal(pve.world.containers.get(910)?.status, 'running');
    await pve.effects.removeHa(ref(910), signal);
  });

  it('removes HA leftovers of a container that is already gone', async () => {
    await pve.effects.registerHa(ref(911), signal);
    await pve.effects.destroyContainer(ref(911), signal);
    await pve.effects.removeHa(ref(911), signal);
    await assert.rejects(resource(911), /no such resource/);
  });

  it('destroys an HA-managed container together with its HA entries', async () => {
    await pve.effects.registerHa(ref(914), signal).catch(() => undefined);
    await pve.effects.createContainer(createInput(915), signal);
    await pve.effects.registerHa(ref(915), signal);
    await pve.effects.destroyContainer(ref(915), signal);
    assert.equal(pve.world.containers.has(915), false);
    await assert.rejects(resource(915), /no such resource/);
    await assert.rejects(rule(915), /no such ha rule/);
  });
});

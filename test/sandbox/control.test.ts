import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createControlApi } from '../../src/sandbox/control.js';
import { Faults } from '../../src/sandbox/core/faults.js';
import { World } from '../../src/sandbox/core/world.js';

describe('the sandbox control API', () => {
  const faults = new Faults();
  const world = new World();
  const expired: string[] = [];
  const app = createControlApi({
    faults,
    world,
    expireNpmTokens: () => expired.push('npm'),
    expireIspconfigSessions: () => expired.push('ispconfig'),
    state: () => ({ extra: true }),
  });
  after(() => app.close());

  it('injects, lists and clears faults', async () => {
    const created = await app.inject({ method: 'POST', url: '/faults', payload: { op: 'proxmox.*', kind: 'status', status: 500, message: 'boom', times: 'always' } });
    assert.equal(created.statusCode, 201);
    assert.equal(faults.begin('proxmox.lxc.create').fault?.message, 'boom');
    const listed = await app.inject({ method: 'GET', url: '/faults' });
    assert.deepEqual(listed.json().faults[0].times, 'always');
    await app.inject({ method: 'DELETE', url: '/faults' });
    assert.equal(faults.begin('proxmox.lxc.create').fault, undefined);
  });

  it('rejects a malformed fault naming the field', async () => {
    const noStatus = await app.inject({ method: 'POST', url: '/faults', payload: { op: 'x', kind: 'status' } });
    assert.equal(noStatus.statusCode, 400);
    assert.equal(noStatus.json().error.field, 'status');
    const badKind = await app.inject({ method: 'POST', url: '/faults', payload: { op: 'x', kind: 'explode' } });
    assert.equal(badKind.statusCode, 400);
  });

  it('reads and resets the counters', async () => {
    faults.begin('cloudflare.dns_records.create').end();
    const counters = await app.inject({ method: 'GET', url: '/counters' });
    assert.equal(counters.json().counters['cloudflare.dns_records.create'].calls, 1);
    await app.inject({ method: 'DELETE', url: '/counters' });
    assert.deepEqual(faults.counts(), {});
  });

  it('publishes TXT records and expires credentials', async () => {
    const put = await app.inject({ method: 'PUT', url: '/dns/txt/_provisiond-challenge.shop.example', payload: { values: ['token'] } });
    assert.deepEqual(put.json().values, ['token']);
    assert.deepEqual(world.txt('_provisiond-challenge.shop.example'), ['token']);
    await app.inject({ method: 'POST', url: '/npm/expire-tokens' });
    await app.inject({ method: 'POST', url: '/ispconfig/expire-sessions' });
    assert.deepEqual(expired, ['npm', 'ispconfig']);
    const state = await app.inject({ method: 'GET', url: '/state' });
    assert.equal(state.json().extra, true);
  });
});

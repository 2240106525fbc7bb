/**
 * Migration 3: a VMID Proxmox shows to be someone else's is skipped for good, and a live
 * allocation may leave it — the only change besides its release that the history allows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { openDatabase } from '../../src/persistence/database.js';
import { newService, policy, tempStore, transition } from './helpers.js';

describe('foreign VMIDs', () => {
  test('moving off a foreign VMID keeps subdomain and IP, and the VMID is never handed out again', (t) => {
    const { store } = tempStore(t);
    const first = store.services.create(newService('a'), policy(), 1).record;
    const moved = store.services.replaceForeignVmid('a', first.vmid, policy(), 2);
    assert.deepEqual(moved, { subdomain: first.subdomain, privateIp: first.privateIp, vmid: first.vmid + 1 });
    assert.equal(store.services.get('a')?.vmid, first.vmid + 1, 'the tracking record follows');
    assert.deepEqual(store.services.replaceForeignVmid('a', first.vmid, policy(), 3), moved, 'a repeat after the move changes nothing');
    const second = store.services.create(newService('b', { email: 'b@example.com' }), policy(), 4).record;
    assert.equal(second.vmid, first.vmid + 2, 'the foreign VMID and the moved one are both skipped');
    // Released services give their VMID back; the foreign one stays out for good.
    store.services.releaseAllocation('a', 5);
    const third = store.services.create(newService('c', { email: 'c@example.com' }), policy(), 6).record;
    assert.equal(third.vmid, first.vmid + 1);
  });

  test('the block counters stay exact across a move (the lowest free VMID is computed from them)', (t) => {
    const { store, path } = tempStore(t);
    // a=254, b=255 (block 0), c=256 (block 1); b moves off 255 to 257, across the block edge.
    const small = policy({ vmidRange: { first: 254, last: 260 } });
    for (const id of ['a', 'b', 'c']) store.services.create(newService(id, { email: `${id}@example.com` }), small, 1);
    assert.equal(store.services.replaceForeignVmid('b', 255, small, 2).vmid, 257);
    const db = openDatabase(path);
    t.after(() => db.close());
    const blocks = db.prepare("SELECT block, live FROM allocation_blocks WHERE kind = 'vmid' ORDER BY block").all();
    assert.deepEqual(blocks, [{ block: 0, live: 1 }, { block: 1, live: 2 }]);
    assert.equal(store.services.create(newService('d', { email: 'd@example.com' }), small, 3).record.vmid, 258);
  });

  test('exhaustion writes nothing, and the history trigger refuses any other VMID change', (t) => {
    const { store, path } = tempStore(t);
    const tiny = policy({ vmidRange: { first: 700, last: 700 } });
    store.services.create(newService('a'), tiny, 1);
    assert.throws(() => store.services.replaceForeignVmid('a', 700, tiny, 2), (error: unknown) => error instanceof AppError && error.code === 'VMID_RANGE_EXHAUSTED');
    assert.equal(store.services.get('a')?.vmid, 700);
    const db = openDatabase(path);
    t.after(() => db.close());
    assert.equal(db.prepare('SELECT count(*) FROM foreign_vmids').pluck().get(), 0, 'rolled back with the failed move');
    assert.throws(() => db.prepare("UPDATE allocations SET vmid = 701 WHERE service_id = 'a'").run(), /allocations are history/);
  });

  test('a plan committed with a transition updates the record and the domain quota', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.actors.commit({ ...transition('a'), plan: { name: 'premium', domainQuota: 5 } });
    assert.deepEqual([store.services.get('a')?.plan, store.services.get('a')?.domainQuota], ['premium', 5]);
  });
});

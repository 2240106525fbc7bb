import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorCode } from '../../src/errors.js';
import { AppError } from '../../src/errors.js';
import { intToIpv4, ipv4ToInt } from '../../src/domain/ipv4.js';
import { openDatabase } from '../../src/persistence/database.js';
import type { Db } from '../../src/persistence/database.js';
import type { AllocationPolicy } from '../../src/persistence/types.js';
import { newService, policy, tempStore, transition } from './helpers.js';
import type { TestContext } from 'node:test';

function isAppError(code: ErrorCode) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}

/** A second, raw connection: what is really on disk, and a way around the store's rules. */
function rawConnection(t: TestContext, path: string): Db {
  const db = openDatabase(path);
  t.after(() => db.close());
  return db;
}

function rowCount(db: Db, table: 'services' | 'allocations'): unknown {
  return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
}

describe('services.create() and the allocation of subdomain, IP and VMID', () => {
  test('a new service gets the subdomain of its e-mail and the first free IP and VMID', (t) => {
    const { store } = tempStore(t);
    const result = store.services.create(newService('12345', { email: 'customer@example.com' }), policy(), 5_000);
    assert.equal(result.created, true);
    assert.deepEqual(result.record, {
      serviceId: '12345',
      email: 'customer@example.com',
      plan: 'basic',
      publicIp: '203.0.113.10',
      vmid: 900,
      privateIp: '127.0.1.100',
      subdomain: 'customer',
      createdAt: 5_000,
      state: 'pending',
      step: null,
      updatedAt: 5_000,
      releasedAt: null,
      domainQuota: 3,
    });
    assert.deepEqual(store.services.get('12345'), result.record);
    assert.deepEqual(store.services.allocation('12345'), { subdomain: 'customer', privateIp: '127.0.1.100', vmid: 900 });
  });

  test('creating a service again returns the first record untouched and allocates nothing', (t) => {
    const { store, path } = tempStore(t);
    const first = store.services.create(newService('7'), policy(), 1_000);
    const again = store.services.create(newService('7', { email: 'someone-else@example.com', plan: 'premium' }), policy(), 2_000);
    assert.equal(again.created, false);
    assert.deepEqual(again.record, first.record);
    assert.equal(store.services.count(), 1);
    assert.equal(rowCount(rawConnection(t, path), 'allocations'), 1);
  });

  test('a hundred services get distinct IPs, VMIDs and subdomains, shared e-mail names taking a suffix', (t) => {
    const { store } = tempStore(t);
    const emails = (i: number) => (i % 10 === 0 ? `alice+${i}@example${i}.com` : `user${i}@example.com`);
    const records = Array.from({ length: 100 }, (_, i) => store.services.create(newService(`s${i}`, { email: emails(i) }), policy(), i).record);
    assert.equal(new Set(records.map((r) => r.privateIp)).size, 100);
    assert.equal(new Set(records.map((r) => r.vmid)).size, 100);
    assert.equal(new Set(records.map((r) => r.subdomain)).size, 100);
    // Lowest free first: the pool and the range are filled from their start, in order.
    assert.deepEqual(records.map((r) => r.privateIp), records.map((_, i) => intToIpv4(ipv4ToInt('127.0.1.100') + i)));
    assert.deepEqual(records.map((r) => r.vmid), records.map((_, i) => 900 + i));
    const alices = records.filter((r) => r.email.startsWith('alice')).map((r) => r.subdomain);
    assert.equal(alices[0], 'alice');
    assert.equal(alices.length, 10);
    for (const name of alices.slice(1)) assert.match(name, /^alice-[a-z0-9]{4}$/);
  });

  test('reserved subdomains are never handed out', (t) => {
    const { store } = tempStore(t);
    const { record } = store.services.create(newService('1', { email: 'www@example.com' }), policy(), 1);
    assert.match(record.subdomain, /^www-[a-z0-9]{4}$/);
  });

  test('when every suffix tried is taken, create() fails with SUBDOMAIN_EXHAUSTED and writes nothing', (t) => {
    const { store } = tempStore(t);
    // Constant randomness yields the same suffix every time: "bob", then "bob-aaaa", then nothing.
    const stuck = policy({ random: () => 0 });
    store.services.create(newService('1', { email: 'bob@example.com' }), stuck, 1);
    assert.equal(store.services.create(newService('2', { email: 'bob@example.org' }), stuck, 2).record.subdomain, 'bob-aaaa');
    assert.throws(() => store.services.create(newService('3', { email: 'bob@example.net' }), stuck, 3), isAppError('SUBDOMAIN_EXHAUSTED'));
    assert.equal(store.services.get('3'), undefined);
    assert.equal(store.services.count(), 2);
  });

  test('an exhausted IP pool fails with IP_POOL_EXHAUSTED, not retryable, and writes nothing', (t) => {
    const { store, path } = tempStore(t);
    const tiny = policy({ ipPool: { first: '127.0.0.1', last: '127.0.0.2' } });
    store.services.create(newService('1'), tiny, 1);
    store.services.create(newService('2'), tiny, 2);
    assert.throws(
      () => store.services.create(newService('3'), tiny, 3),
      (error: unknown) => isAppError('IP_POOL_EXHAUSTED')(error) && (error as AppError).retryable === false,
    );
    assert.equal(store.services.count(), 2);
    assert.equal(store.services.allocation('3'), undefined);
    const raw = rawConnection(t, path);
    assert.deepEqual([rowCount(raw, 'services'), rowCount(raw, 'allocations')], [2, 2]);
  });

  test('an exhausted VMID range fails with VMID_RANGE_EXHAUSTED and writes nothing', (t) => {
    const { store, path } = tempStore(t);
    const tiny = policy({ vmidRange: { first: 500, last: 500 } });
    store.services.create(newService('1'), tiny, 1);
    assert.throws(() => store.services.create(newService('2'), tiny, 2), isAppError('VMID_RANGE_EXHAUSTED'));
    assert.equal(store.services.count(), 1);
    assert.equal(store.services.allocation('2'), undefined);
    const raw = rawConnection(t, path);
    assert.deepEqual([rowCount(raw, 'services'), rowCount(raw, 'allocations')], [1, 1]);
  });

  test('a failure after the first rows are inserted rolls the whole creation back', (t) => {
    const { store, path } = tempStore(t);
    const raw = rawConnection(t, path);
    // The services row is written first (the allocation's foreign key needs it); refuse the next one.
    raw.exec("CREATE TRIGGER refuse_allocation BEFORE INSERT ON allocations BEGIN SELECT RAISE(ABORT, 'allocation refused'); END");
    assert.throws(() => store.services.create(newService('1'), policy(), 1), /allocation refused/);
    assert.deepEqual([rowCount(raw, 'services'), rowCount(raw, 'allocations')], [0, 0]);
    raw.exec('DROP TRIGGER refuse_allocation');
    assert.equal(store.services.create(newService('1'), policy(), 2).record.privateIp, '127.0.1.100');
    assert.throws(() => store.services.create(newService('2', { domainQuota: -1 }), policy(), 3), { code: 'SQLITE_CONSTRAINT_CHECK' }, 'a negative quota is refused');
    assert.deepEqual([rowCount(raw, 'services'), rowCount(raw, 'allocations')], [1, 1]);
  });

  test('a released IP, VMID and subdomain go to the next service, and releasing twice changes nothing', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    const b = store.services.create(newService('b', { email: 'bea@example.com' }), policy(), 2).record;
    store.services.create(newService('c'), policy(), 3);
    store.services.releaseAllocation('b', 10);
    store.services.releaseAllocation('b', 20);
    assert.equal(store.services.allocation('b'), undefined);
    assert.equal(store.services.get('b')?.releasedAt, 10);
    // The record keeps what it was given, for the audit trail.
    assert.equal(store.services.get('b')?.privateIp, b.privateIp);
    const d = store.services.create(newService('d', { email: 'bea@example.org' }), policy(), 30).record;
    assert.deepEqual([d.privateIp, d.vmid, d.subdomain], [b.privateIp, b.vmid, 'bea']);
  });

  test('the lowest free value is found across blocks of 256 and at the edges of the pool', (t) => {
    const { store } = tempStore(t);
    // 12 addresses straddling 127.0.0.255/127.0.1.0 and 12 VMIDs straddling 255/256.
    const edges = policy({ ipPool: { first: '127.0.0.250', last: '127.0.1.5' }, vmidRange: { first: 250, last: 261 } });
    const records = Array.from({ length: 12 }, (_, i) => store.services.create(newService(`e${i}`), edges, i).record);
    assert.deepEqual(records.map((r) => r.privateIp).slice(4, 8), ['127.0.0.254', '127.0.0.255', '127.0.1.0', '127.0.1.1']);
    assert.throws(() => store.services.create(newService('full'), edges, 99), isAppError('IP_POOL_EXHAUSTED'));
    store.services.releaseAllocation('e7', 100);
    store.services.releaseAllocation('e2', 100);
    const next = store.services.create(newService('n1'), edges, 101).record;
    const after = store.services.create(newService('n2'), edges, 102).record;
    assert.deepEqual([next.privateIp, next.vmid, after.privateIp, after.vmid], ['127.0.0.252', 252, '127.0.1.1', 257]);
  });

  test('a pool larger than one block is filled past its full first block', (t) => {
    const { store } = tempStore(t);
    const wide = policy({ ipPool: { first: '127.1.0.0', last: '127.1.3.255' }, vmidRange: { first: 100, last: 10_000 } });
    const records = Array.from({ length: 300 }, (_, i) => store.services.create(newService(`w${i}`), wide, i).record);
    assert.deepEqual(records.at(-1)?.privateIp, '127.1.1.43');
    assert.deepEqual(records.at(-1)?.vmid, 399);
    store.services.releaseAllocation('w17', 1_000);
    assert.equal(store.services.create(newService('back'), wide, 1_001).record.privateIp, '127.1.0.17');
  });

  test('a pool grown around blocks filled out of order still yields its lowest free address', (t) => {
    const { store } = tempStore(t);
    const fill = (pool: AllocationPolicy['ipPool'], prefix: string) => {
      for (let i = 0; i < 256; i++) store.services.create(newService(`${prefix}${i}`), policy({ ipPool: pool, vmidRange: { first: 1, last: 9_999 } }), i);
    };
    fill({ first: '127.3.0.0', last: '127.3.0.255' }, 'low');
    fill({ first: '127.3.2.0', last: '127.3.2.255' }, 'high');
    const grown = policy({ ipPool: { first: '127.3.0.0', last: '127.3.3.255' }, vmidRange: { first: 1, last: 9_999 } });
    assert.equal(store.services.create(newService('between'), grown, 1_000).record.privateIp, '127.3.1.0');
  });

  test('the database itself rejects a second live holder of a subdomain, IP or VMID', (t) => {
    const { store, path } = tempStore(t);
    const { record } = store.services.create(newService('1', { email: 'dora@example.com' }), policy(), 1);
    const raw = rawConnection(t, path);
    raw.prepare(`INSERT INTO services (service_id, email, plan, vmid, private_ip, subdomain, public_ip, created_at, state, updated_at)
      VALUES ('2', 'x@example.com', 'basic', 1, '127.9.9.9', 'x', '203.0.113.10', 2, 'pending', 2)`).run();
    const insert = raw.prepare<[string, number, number]>(
      "INSERT INTO allocations (service_id, subdomain, private_ip_num, vmid, allocated_at) VALUES ('2', ?, ?, ?, 2)",
    );
    const ip = ipv4ToInt(record.privateIp);
    const unique = { code: 'SQLITE_CONSTRAINT_UNIQUE' };
    assert.throws(() => insert.run(record.subdomain, ip + 1, record.vmid + 1), unique);
    assert.throws(() => insert.run('other', ip, record.vmid + 1), unique);
    assert.throws(() => insert.run('other', ip + 1, record.vmid), unique);
    // Once released, the same values may be held again: uniqueness is among live rows only.
    store.services.releaseAllocation('1', 3);
    insert.run(record.subdomain, ip, record.vmid);
    assert.deepEqual(store.services.allocation('2'), { subdomain: record.subdomain, privateIp: record.privateIp, vmid: record.vmid });
  });

  test('allocation history can be released but never rewritten or deleted', (t) => {
    const { store, path } = tempStore(t);
    store.services.create(newService('1'), policy(), 1);
    const raw = rawConnection(t, path);
    assert.throws(() => raw.prepare("UPDATE allocations SET vmid = 1 WHERE service_id = '1'").run(), /allocations are history/);
    assert.throws(() => raw.prepare("DELETE FROM allocations WHERE service_id = '1'").run(), /allocations are history/);
    store.services.releaseAllocation('1', 2);
    assert.throws(() => raw.prepare("UPDATE allocations SET released_at = NULL WHERE service_id = '1'").run(), /allocations are history/);
  });
});

describe('services.list(), get() and count()', () => {
  test('list() pages through services in id order, optionally only those in one state', (t) => {
    const { store } = tempStore(t);
    for (const id of ['d', 'b', 'e', 'a', 'c']) store.services.create(newService(id), policy(), 1);
    store.actors.commit(transition('b'));
    store.actors.commit(transition('d'));
    const ids = (query: Parameters<typeof store.services.list>[0]) => store.services.list(query).map((r) => r.serviceId);
    assert.deepEqual(ids({ limit: 2 }), ['a', 'b']);
    assert.deepEqual(ids({ after: 'b', limit: 2 }), ['c', 'd']);
    assert.deepEqual(ids({ after: 'd', limit: 2 }), ['e']);
    assert.deepEqual(ids({ state: 'allocating', limit: 10 }), ['b', 'd']);
    assert.deepEqual(ids({ state: 'allocating', after: 'b', limit: 10 }), ['d']);
    assert.deepEqual(ids({ state: 'pending', limit: 10 }), ['a', 'c', 'e']);
  });

  test('get() of an unknown service is undefined and count() counts every service', (t) => {
    const { store } = tempStore(t);
    assert.equal(store.services.count(), 0);
    assert.equal(store.services.get('nope'), undefined);
    store.services.create(newService('1'), policy(), 1);
    store.services.create(newService('2'), policy(), 1);
    assert.equal(store.services.count(), 2);
  });
});

describe('allocation when a pool is moved inside a block', () => {
  test('values held outside the new range are never handed out, and a freed value inside it is found again', (t) => {
    const { store } = tempStore(t);
    const vmids = { first: 5_000, last: 5_999 };
    const old = policy({ ipPool: { first: '127.4.0.1', last: '127.4.0.20' }, vmidRange: vmids });
    for (let i = 0; i < 20; i++) store.services.create(newService(`old${i}`), old, i);
    // The pool moves up within the same block: .1–.9 stay held by services outside it.
    const moved = policy({ ipPool: { first: '127.4.0.10', last: '127.4.0.30' }, vmidRange: vmids });
    const added = Array.from({ length: 10 }, (_, i) => store.services.create(newService(`new${i}`), moved, 100 + i).record.privateIp);
    assert.deepEqual([added[0], added.at(-1)], ['127.4.0.21', '127.4.0.30']);
    assert.throws(() => store.services.create(newService('none'), moved, 200), isAppError('IP_POOL_EXHAUSTED'));
    // Its block holds 30 live values against 21 in the range: only a count of the range finds the hole.
    store.services.releaseAllocation('old14', 300);
    assert.equal(store.services.create(newService('again'), moved, 301).record.privateIp, '127.4.0.15');
  });

  test('a full edge block is passed over for the next block', (t) => {
    const { store } = tempStore(t);
    const edge = policy({ ipPool: { first: '127.5.0.1', last: '127.5.1.255' }, vmidRange: { first: 6_000, last: 6_999 } });
    const records = Array.from({ length: 256 }, (_, i) => store.services.create(newService(`f${i}`), edge, i).record);
    assert.deepEqual([records[254]?.privateIp, records[255]?.privateIp], ['127.5.0.255', '127.5.1.0']);
    store.services.releaseAllocation('f3', 1_000);
    assert.equal(store.services.create(newService('back'), edge, 1_001).record.privateIp, '127.5.0.4');
  });
});

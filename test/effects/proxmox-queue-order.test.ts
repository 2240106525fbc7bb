import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiPath } from '../../src/effects/proxmox/client.js';
import { containerOf, createOldestFirst } from '../../src/effects/proxmox/oldest-first.js';
import { createRankedLimit } from '../../src/effects/proxmox/ranked-limit.js';
import { createWaitingReads } from '../../src/effects/proxmox/waiting-reads.js';

const UPID = 'UPID:node1:0001A2B3:10045C6D7:6650F1A2:vzsnapshot:4711:provisiond@pve!daemon:';

describe('the Proxmox request queue', () => {
  it('runs the waiting task of lowest rank next, ties in the order they came, never more than the limit', async () => {
    const limit = createRankedLimit(1);
    const ran: string[] = [];
    let inFlight = 0;
    let most = 0;
    const task = (name: string) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      ran.push(name);
      inFlight--;
      return name;
    };
    const all = [limit(5, task('first')), limit(9, task('late')), limit(3, task('old-a')), limit(3, task('old-b')), limit(Number.NEGATIVE_INFINITY, task('shared'))];
    assert.deepEqual([limit.activeCount, limit.pendingCount], [1, 4]);
    assert.deepEqual(await Promise.all(all), ['first', 'late', 'old-a', 'old-b', 'shared']);
    assert.deepEqual(ran, ['first', 'shared', 'old-a', 'old-b', 'late']);
    assert.equal(most, 1);
    assert.deepEqual([limit.activeCount, limit.pendingCount], [0, 0]);
  });

  it('frees the slot of a task that fails, even synchronously', async () => {
    const limit = createRankedLimit(1);
    const broken = limit(1, () => {
      throw new Error('broken');
    });
    await assert.rejects(broken, /broken/);
    await assert.rejects(limit(1, () => Promise.reject(new Error('rejected'))), /rejected/);
    assert.equal(await limit(1, async () => 'next'), 'next');
    assert.equal(limit.activeCount, 0);
  });

  it('keeps the order of many waiting tasks (heap)', async () => {
    const limit = createRankedLimit(2);
    const ranks = Array.from({ length: 200 }, (_, i) => (i * 7919) % 101);
    const ran: number[] = [];
    let release = (): void => undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const blockers = [limit(-1, () => blocked), limit(-1, () => blocked)];
    const all = ranks.map((rank) => limit(rank, async () => void ran.push(rank)));
    release();
    await Promise.all([...blockers, ...all]);
    // Two slots: each finished task lets the lowest waiting one in, so the runs are sorted.
    assert.deepEqual(ran, [...ranks].sort((a, b) => a - b));
  });

  it('tells which container a request is about', () => {
    assert.equal(containerOf('GET', apiPath`/nodes/${'node2'}/lxc/${4711}/status/current`, undefined), 4711);
    assert.equal(containerOf('DELETE', apiPath`/nodes/${'node1'}/lxc/${4711}`, { purge: true }), 4711);
    assert.equal(containerOf('POST', '/nodes/node1/lxc', { vmid: 4711, hostname: 'x' }), 4711);
    assert.equal(containerOf('GET', apiPath`/nodes/${'node1'}/tasks/${UPID}/status`, undefined), 4711);
    assert.equal(containerOf('PUT', apiPath`/cluster/ha/resources/${'ct:4711'}`, { state: 'started' }), 4711);
    assert.equal(containerOf('POST', '/cluster/ha/resources', { sid: 'ct:4711', state: 'started' }), 4711);
    assert.equal(containerOf('GET', apiPath`/cluster/ha/rules/${'provisiond-4711'}`, undefined), 4711);
    assert.equal(containerOf('POST', '/cluster/ha/rules', { rule: 'provisiond-4711', resources: 'ct:4711' }), 4711);
    assert.equal(containerOf('GET', '/cluster/resources', { type: 'vm' }), undefined);
    assert.equal(containerOf('POST', '/cluster/ha/groups', { group: 'provisiond' }), undefined);
  });

  it('ranks a container by when it was first heard of, for an hour', () => {
    let clock = 1_000;
    const order = createOldestFirst(() => clock, 3_600_000);
    const status = (vmid: number) => order.rank('GET', apiPath`/nodes/${'node1'}/lxc/${vmid}/status/current`, undefined);
    assert.equal(order.rank('POST', '/nodes/node1/lxc', { vmid: 200 }), 1_000);
    clock = 2_000;
    assert.equal(status(300), 2_000);
    clock = 3_000;
    // Later requests of the older container still rank before the newer one's.
    assert.equal(status(200), 1_000);
    assert.ok(status(200) < status(300));
    assert.equal(order.rank('GET', '/cluster/resources', { type: 'vm' }), Number.NEGATIVE_INFINITY);
    clock = 1_000 + 3_600_001;
    // A VMID heard of again after an hour is a new container (VMIDs are reused).
    assert.equal(status(200), clock);
  });

  it('forgets containers it has not heard of for an hour, so memory stays bounded', () => {
    let clock = 0;
    const order = createOldestFirst(() => clock, 1_000);
    for (let vmid = 1; vmid <= 1000; vmid++) order.rank('POST', '/nodes/node1/lxc', { vmid });
    clock = 5_000;
    for (let vmid = 2001; vmid <= 2100; vmid++) order.rank('POST', '/nodes/node1/lxc', { vmid });
    assert.ok(order.size <= 1100);
    // The sweep ran at 1,024 entries: the stale thousand are gone.
    assert.ok(order.size < 200, `still ${order.size}`);
  });

  it('sends a shared read at the best rank among its callers, once', async () => {
    const limit = createRankedLimit(1);
    const reads = createWaitingReads(limit);
    const ran: string[] = [];
    let release = (): void => undefined;
    const blocked = limit(0, () => new Promise<void>((resolve) => {
      release = resolve;
    }));
    const cancelled = () => new Error('cancelled');
    const listing = async () => {
      ran.push('listing');
      return ['guests'];
    };
    const young = reads.read('/cluster/resources', 10, undefined, listing, cancelled);
    const other = limit(5, async () => void ran.push('middle'));
    // An older container's locate joins the waiting listing and pulls it ahead of rank 5.
    const old = reads.read('/cluster/resources', 1, undefined, listing, cancelled);
    assert.equal(reads.size, 1);
    release();
    await Promise.all([blocked, other]);
    assert.deepEqual(await Promise.all([young, old]), [['guests'], ['guests']]);
    assert.deepEqual(ran, ['listing', 'middle']);
    assert.equal(reads.size, 0);
    assert.equal(limit.pendingCount + limit.activeCount, 0);
  });

  it('keeps one copy of a read on the wire: callers meanwhile share the next, even with slots free', async () => {
    const limit = createRankedLimit(4);
    const reads = createWaitingReads(limit);
    const cancelled = () => new Error('cancelled');
    let sent = 0;
    let answer = (): void => undefined;
    const listing = () => {
      sent++;
      return new Promise<number>((resolve) => {
        answer = () => resolve(sent);
      });
    };
    const first = reads.read('/cluster/resources', 1, undefined, listing, cancelled);
    const later = [reads.read('/cluster/resources', 2, undefined, listing, cancelled), reads.read('/cluster/resources', 0, undefined, listing, cancelled)];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([sent, reads.behind, limit.activeCount], [1, 1, 1]);
    answer();
    assert.equal(await first, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent, 2);
    answer();
    assert.deepEqual(await Promise.all(later), [2, 2]);
    // The slot is given back just after the callers hear the answer.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([reads.size, reads.behind, limit.activeCount, limit.pendingCount], [0, 0, 0, 0]);
  });
});

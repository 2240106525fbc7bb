/**
 * Polls are reads: a lost one is looked at again instead of throwing away a task that is
 * running fine (src/effects/proxmox/polling.ts). Up to POLL_FAILURES_TOLERATED transient
 * failures in a row are absorbed; one more, a permanent error or a failed task ends the wait.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { POLL_FAILURES_TOLERATED, pollUntil } from '../../src/effects/proxmox/polling.js';
import { createInput, failure, SERVICE, signal, startPve, type Pve } from './proxmox-harness.js';
import { READ_RETRY } from '../../src/effects/read-retry.js';

describe('Proxmox polling tolerates lost reads', () => {
  let pve: Pve;
  const ref = (vmid: number) => ({ serviceId: SERVICE, vmid });
  const faulted = (op: string) => pve.faults.counts()[op]?.faulted ?? 0;

  before(async () => {
    pve = await startPve(0.01);
    await Promise.all([940, 941, 942, 943].map((vmid) => pve.effects.createContainer(createInput(vmid), signal)));
  });
  beforeEach(() => {
    pve.faults.clear();
    pve.faults.resetCounters();
  });
  after(() => pve.close());

  it(`finishes a task whose status reads fail ${POLL_FAILURES_TOLERATED} times in a row`, async () => {
    // More than the client's own read retries: the poll's tolerance has to carry the rest.
    pve.faults.inject({ op: 'proxmox.tasks.status', kind: 'status', status: 502, message: 'Bad Gateway', times: POLL_FAILURES_TOLERATED * READ_RETRY.attempts });
    await pve.effects.takeSnapshot(ref(940), signal);
    assert.equal(faulted('proxmox.tasks.status'), POLL_FAILURES_TOLERATED * READ_RETRY.attempts);
    const list = (await pve.raw('GET', '/nodes/node1/lxc/940/snapshot')) as { name: string }[];
    assert.ok(list.some((entry) => entry.name === 'initial'), 'the snapshot exists');
  });

  it('also across connection resets, in the wait of a stop', async () => {
    pve.faults.inject({ op: 'proxmox.tasks.status', kind: 'reset', times: 2 });
    await pve.effects.stopContainer(ref(941), signal);
    assert.equal(pve.world.containers.get(941)?.status, 'stopped');
    assert.equal(faulted('proxmox.tasks.status'), 2);
  });

  it('gives up on the next failure in a row, with the read\'s own retryable error', async () => {
    // Each poll is a read the client asks up to READ_RETRY.attempts times.
    const fatal = (POLL_FAILURES_TOLERATED + 1) * READ_RETRY.attempts;
    pve.faults.inject({ op: 'proxmox.tasks.status', kind: 'status', status: 503, message: 'Service Unavailable', times: fatal });
    const error = await failure(pve.effects.takeSnapshot(ref(942), signal));
    assert.equal(error.retryable, true);
    assert.equal(faulted('proxmox.tasks.status'), fatal);
  });

  it('ends at once on a permanent error', async () => {
    pve.faults.inject({ op: 'proxmox.tasks.status', kind: 'status', status: 403, message: 'Permission check failed (/nodes/node1, Sys.Audit)', times: 5 });
    const error = await failure(pve.effects.stopContainer(ref(943), signal));
    assert.equal(error.retryable, false);
    assert.equal(faulted('proxmox.tasks.status'), 1, 'not asked again');
  });
});

describe('pollUntil on its own', () => {
  const lost = () => new AppError('UPSTREAM_UNAVAILABLE', '502 Bad Gateway', { system: 'proxmox', retryable: true });
  const never = new AbortController().signal;

  it('looks again after a lost read, and the deadline still bounds the wait', async () => {
    let calls = 0;
    const ok = await pollUntil(async () => {
      calls++;
      if (calls <= 2) throw lost();
      return calls === 4;
    }, Date.now() + 5_000, 1, never);
    assert.equal(ok, true);
    assert.equal(calls, 4);
  });

  it('treats a task\'s exit status as an answer, not a lost read', async () => {
    let calls = 0;
    const locked = new AppError('RESOURCE_LOCKED', 'task failed: CT is locked', { system: 'proxmox', retryable: true, details: { upid: 'UPID:x', exitstatus: 'CT is locked' } });
    await assert.rejects(pollUntil(async () => {
      calls++;
      throw locked;
    }, Date.now() + 5_000, 1, never), (error) => error === locked);
    assert.equal(calls, 1);
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    await assert.rejects(pollUntil(async () => {
      calls++;
      controller.abort();
      throw lost();
    }, Date.now() + 5_000, 1, controller.signal));
    assert.equal(calls, 1);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProxmoxClient } from '../../src/effects/proxmox/client.js';
import { classifyTaskExit, isTaskSuccess } from '../../src/effects/proxmox/errors.js';
import { resolveConfig } from '../../src/effects/proxmox/proxmox-config.js';
import { parseUpid } from '../../src/effects/proxmox/upid.js';
import { createInput, failure, SERVICE, signal, startPve, TOKEN, type Pve } from './proxmox-harness.js';
import { READ_RETRY } from '../../src/effects/read-retry.js';

describe('the Proxmox client', () => {
  let pve: Pve;
  before(async () => {
    pve = await startPve();
  });
  after(() => pve.close());

  const status = () => pve.effects.containerStatus({ serviceId: SERVICE, vmid: 930 }, signal);

  it('classifies 500, 502 and 595 as retryable UPSTREAM_UNAVAILABLE', async () => {
    for (const code of [500, 502, 595]) {
      // Every try of the read fails: a lost read is asked again (read-retry.ts).
      pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'status', status: code, message: 'proxy loop or no route', times: READ_RETRY.attempts });
      const error = await failure(status());
      assert.deepEqual([error.code, error.retryable, error.system], ['UPSTREAM_UNAVAILABLE', true, 'proxmox'], String(code));
    }
  });

  it('classifies lock texts as retryable RESOURCE_LOCKED', async () => {
    for (const message of ['CT is locked (snapshot)', "can't lock file '/run/lock/lxc/pve-config-930.lock' - got timeout"]) {
      pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'status', status: 500, message });
      const error = await failure(status());
      assert.deepEqual([error.code, error.retryable], ['RESOURCE_LOCKED', true]);
    }
  });

  it('survives a reset connection: that request fails retryable, the next one works', async () => {
    pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'reset', times: READ_RETRY.attempts });
    const error = await failure(status());
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_UNAVAILABLE', true]);
    assert.equal(await status(), null);
  });

  it('does not blame the next request for a connection the server closed after an error', async () => {
    pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'status', status: 500, message: 'boom', times: READ_RETRY.attempts });
    await failure(status());
    for (let i = 0; i < 5; i++) assert.equal(await status(), null);
  });

  it('times out a request that never answers as retryable UPSTREAM_TIMEOUT', async () => {
    const { effects } = pve.make({ requestTimeoutMs: 50 });
    pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'timeout' });
    const error = await failure(effects.containerStatus({ serviceId: SERVICE, vmid: 930 }, signal));
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_TIMEOUT', true]);
  });

  it('stops at once when the caller cancels', async () => {
    pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'timeout' });
    const controller = new AbortController();
    const pending = pve.effects.containerStatus({ serviceId: SERVICE, vmid: 930 }, controller.signal);
    setTimeout(() => controller.abort(), 20);
    const error = await failure(pending);
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_TIMEOUT', true]);
  });

  it('reports a refused token as UPSTREAM_AUTH_FAILED without echoing the secret', async () => {
    const { effects } = pve.make({ tokenSecret: 'wrong-secret-value' });
    const error = await failure(effects.containerStatus({ serviceId: SERVICE, vmid: 930 }, signal));
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_AUTH_FAILED', false]);
    assert.match(error.message, /Authentication failed!/);
    assert.ok(!error.message.includes('wrong-secret-value') && !error.message.includes(TOKEN.secret));
  });

  it('treats 400 and 403 as permanent rejections, with the field errors summarised', async () => {
    pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'status', status: 403, message: 'Permission check failed (/vms/930, VM.Audit)' });
    const denied = await failure(status());
    assert.deepEqual([denied.code, denied.retryable], ['UPSTREAM_REJECTED', false]);
    assert.match(denied.message, /Permission check failed/);
    const invalid = await failure(pve.effects.createContainer({ ...createInput(931), resources: { memoryMb: 1, diskGb: 1, cores: 0 } }, signal));
    assert.deepEqual([invalid.code, invalid.retryable], ['UPSTREAM_REJECTED', false]);
    assert.match(invalid.message, /cores: value must have a minimum value of 1/);
    assert.match(invalid.message, /memory: value must have a minimum value of 16/);
  });

  it('keeps no more requests in flight than its limit and shows the queue', async () => {
    const { client } = pve.make({ concurrency: 2 });
    pve.faults.resetCounters();
    pve.faults.inject({ op: 'proxmox.cluster.nextid', kind: 'latency', latencyMs: 30, times: 8 });
    // Eight different reads: identical ones waiting for a slot would be sent once (below).
    const all = Array.from({ length: 8 }, (_, i) => client.request('GET', '/cluster/nextid', { vmid: 5000 + i }, signal));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(client.queue(), { active: 2, pending: 6 });
    assert.deepEqual(await Promise.all(all), Array.from({ length: 8 }, (_, i) => String(5000 + i)));
    assert.equal(pve.faults.counts()['proxmox.cluster.nextid']?.maxInFlight, 2);
    assert.deepEqual(client.queue(), { active: 0, pending: 0 });
  });

  it('sends identical reads that wait for a slot once, and never joins one already sent', async () => {
    const { client } = pve.make({ concurrency: 1 });
    pve.faults.resetCounters();
    pve.faults.inject({ op: 'proxmox.version.get', kind: 'latency', latencyMs: 40, times: 1 });
    // The first goes out at once; the four behind it wait for the slot and share one read.
    const first = client.request('GET', '/version', undefined, signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const waiting = Array.from({ length: 4 }, () => client.request('GET', '/version', undefined, signal));
    assert.deepEqual(client.queue(), { active: 1, pending: 1 });
    const answers = await Promise.all([first, ...waiting]);
    assert.equal(pve.faults.counts()['proxmox.version.get']?.calls, 2);
    for (const answer of answers) assert.equal((answer as { release?: string }).release, '9.2');
  });

  it('lets a caller of a shared read leave at once while the others get the answer', async () => {
    const { client } = pve.make({ concurrency: 1 });
    pve.faults.resetCounters();
    pve.faults.inject({ op: 'proxmox.version.get', kind: 'latency', latencyMs: 40, times: 1 });
    const first = client.request('GET', '/version', undefined, signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const leaving = new AbortController();
    const left = client.request('GET', '/version', undefined, leaving.signal);
    const stays = client.request('GET', '/version', undefined, signal);
    leaving.abort();
    const error = await failure(left);
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_TIMEOUT', true]);
    await first;
    assert.equal(((await stays) as { release?: string }).release, '9.2');
    assert.equal(pve.faults.counts()['proxmox.version.get']?.calls, 2);
  });

  it('does not send a shared read every caller has left', async () => {
    const { client } = pve.make({ concurrency: 1 });
    pve.faults.resetCounters();
    pve.faults.inject({ op: 'proxmox.version.get', kind: 'latency', latencyMs: 40, times: 1 });
    const first = client.request('GET', '/version', undefined, signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const leaving = new AbortController();
    const callers = [client.request('GET', '/version', undefined, leaving.signal), client.request('GET', '/version', undefined, leaving.signal)];
    leaving.abort();
    for (const caller of callers) assert.equal((await failure(caller)).code, 'UPSTREAM_TIMEOUT');
    await first;
    // A read asked after they left is a new one, not the abandoned read.
    assert.equal(((await client.request('GET', '/version', undefined, signal)) as { release?: string }).release, '9.2');
    assert.equal(pve.faults.counts()['proxmox.version.get']?.calls, 2);
  });

  it('sends booleans as 1/0 in form bodies', async () => {
    await pve.effects.createContainer(createInput(932), signal);
    const config = (await pve.raw('GET', '/nodes/node1/lxc/932/config')) as Record<string, unknown>;
    assert.deepEqual([config.unprivileged, config.onboot], [1, 1]);
  });

  it('refuses plain http to a host that is not loopback', () => {
    assert.throws(() => createProxmoxClient({ ...pve.config, url: 'http://pve1.example.com:8006/api2/json' }), (error: { code?: string; message?: string }) =>
      error.code === 'CONFIG_INVALID' && /refusing plain http to pve1\.example\.com/.test(error.message ?? ''));
    assert.throws(() => resolveConfig({ ...pve.config, url: 'https://pve1:8006/api2/json', fingerprint: 'not-a-fingerprint' }), /fingerprint/);
    assert.equal(resolveConfig({ ...pve.config, url: 'http://[::1]:8006/api2/json' }).base.hostname, '[::1]');
  });

  it('parses UPIDs with 9-digit pstart, an empty id and a token user', () => {
    assert.deepEqual(parseUpid('UPID:pve1:0001A2B3:10045C6D7:6650F1A2:vzcreate::deploy@pve!prov:'), {
      upid: 'UPID:pve1:0001A2B3:10045C6D7:6650F1A2:vzcreate::deploy@pve!prov:', node: 'pve1', pid: 0x1a2b3, pstart: 0x10045c6d7, starttime: 0x6650f1a2, type: 'vzcreate', id: '', user: 'deploy@pve!prov',
    });
    assert.equal(parseUpid('UPID:pve1:garbage'), undefined);
  });

  it('reads task exit statuses the way PVE means them', () => {
    assert.ok(isTaskSuccess('OK') && isTaskSuccess('WARNINGS: 2'));
    assert.ok(!isTaskSuccess('unable to create CT 907'));
    assert.deepEqual(pick(classifyTaskExit('CT is locked (backup)', 'UPID:x')), ['RESOURCE_LOCKED', true]);
    assert.deepEqual(pick(classifyTaskExit('unexpected status', 'UPID:x')), ['TASK_FAILED', true]);
    assert.deepEqual(pick(classifyTaskExit("storage 'drbd' does not support container directories", 'UPID:x')), ['TASK_FAILED', false]);
  });
});

const pick = (error: { code: string; retryable: boolean }) => [error.code, error.retryable];

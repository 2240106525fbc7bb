import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIspconfigEffects } from '../../src/effects/ispconfig/ispconfig.effects.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { CONFIG, rejectsWith, signal, startHarness, type Harness } from './ispconfig-harness.js';
import { READ_RETRY } from '../../src/effects/read-retry.js';

const input = (domain: string) => ({ serviceId: '42', domain, publicIp: '203.0.113.10', privateIp: '127.45.0.5' });

describe('the ISPConfig session', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('is reused across operations: one login for several effects', async () => {
    h = await startHarness();
    await h.effects.createDnsZone(input('aaa.example'), signal());
    await h.effects.createDnsZone(input('bbb.example'), signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'aaa.example' }, signal());
    assert.equal(h.counts('login').calls, 1);
  });

  it('logs in again once when the panel has expired it, and the operation succeeds', async () => {
    h = await startHarness();
    await h.effects.createDnsZone(input('aaa.example'), signal());
    h.expire();
    await h.effects.createDnsZone(input('bbb.example'), signal());
    assert.equal(h.counts('login').calls, 2);
    assert.ok(h.zone('bbb.example.'));
  });

  it('is replaced before its fixed lifetime runs out, without waiting for the panel to refuse it', async () => {
    let clock = 1_000_000;
    h = await startHarness({ now: () => clock, sessionTtlMs: 25 * 60_000 });
    await h.effects.createDnsZone(input('aaa.example'), signal());
    clock += 26 * 60_000;
    await h.effects.createDnsZone(input('bbb.example'), signal());
    assert.equal(h.counts('login').calls, 2);
    assert.equal(h.counts('dns_zone_get').faulted, 0);
  });

  it('shares one login between concurrent operations', async () => {
    h = await startHarness();
    await Promise.all(['a', 'b', 'c', 'd'].map((d) => h.effects.createDnsZone(input(`${d}${d}${d}.example`), signal())));
    assert.equal(h.counts('login').calls, 1);
  });

  it('fails permanently with UPSTREAM_AUTH_FAILED on a wrong password, without the password in the message', async () => {
    h = await startHarness({ password: 'wrong-secret' });
    const error = await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_AUTH_FAILED', false);
    assert.equal(error.system, 'ispconfig');
    assert.doesNotMatch(error.message, /wrong-secret|s3cret/);
  });

  it('fails permanently with UPSTREAM_AUTH_FAILED when a function is not granted', async () => {
    const functions = ['dns_zone_get', 'dns_rr_get_all_by_zone', 'dns_txt_get'];
    h = await startHarness({}, { users: [{ username: 'provisiond', password: 's3cret', functions }, { username: 'operator', password: 'op' }] });
    const error = await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_AUTH_FAILED', false);
    assert.match(error.message, /dns_zone_add/);
  });
});

describe('ISPConfig faults', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ timeoutMs: 1_000 });
  });
  afterEach(() => h.close());

  for (const status of [500, 502, 503, 598]) {
    it(`treats an HTML error page with HTTP ${status} as retryable UPSTREAM_UNAVAILABLE`, async () => {
      h.api.faults.inject({ op: 'ispconfig.dns_zone_add', kind: 'status', status });
      await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
      assert.equal(h.api.sim.zones().length, 0);
    });
  }

  it('treats HTTP 400 and 404 as permanent rejections', async () => {
    h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'status', status: 400 });
    await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_REJECTED', false);
    h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'status', status: 404 });
    await rejectsWith(h.effects.removeDnsZone({ serviceId: '42', domain: 'aaa.example' }, signal()), 'UPSTREAM_REJECTED', false);
  });

  it('treats a remote_fault it does not know as a permanent rejection', async () => {
    h.api.faults.inject({ op: 'ispconfig.dns_zone_add', kind: 'status', status: 200, message: 'something_odd<br />\r\n' });
    const error = await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_REJECTED', false);
    assert.match(error.message, /something_odd$/);
  });

  it('treats maintenance mode and a database deadlock as retryable', async () => {
    // A read: asked again (read-retry.ts), so every try meets the maintenance page.
    h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'status', status: 200, message: 'This ISPConfig installation is currently under maintenance.', times: READ_RETRY.attempts });
    await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
    h.api.faults.inject({ op: 'ispconfig.dns_zone_add', kind: 'status', status: 200, message: 'Deadlock found when trying to get lock; try restarting transaction INSERT INTO …' });
    await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
  });

  it('treats a reset connection as retryable UPSTREAM_UNAVAILABLE', async () => {
    h.api.faults.inject({ op: 'ispconfig.dns_a_add', kind: 'reset' });
    await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
    await h.effects.createDnsZone(input('aaa.example'), signal());
    assert.equal(h.zone('aaa.example.')?.records.length, 3, 'the next run completes the zone');
  });

  it('gives up after its timeout with retryable UPSTREAM_TIMEOUT', async () => {
    h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'timeout' });
    const started = Date.now();
    await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_TIMEOUT', true);
    assert.ok(Date.now() - started < 2000);
  });

  it('stops when the signal aborts, with a retryable error', async () => {
    h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'latency', latencyMs: 200 });
    const controller = new AbortController();
    const run = h.effects.createDnsZone(input('aaa.example'), controller.signal);
    setTimeout(() => controller.abort(), 50);
    await rejectsWith(run, 'SHUTTING_DOWN', true);
  });

  it('does not retry by itself: one failed call is one request', async () => {
    h.api.faults.inject({ op: 'ispconfig.dns_zone_add', kind: 'status', status: 503 });
    await rejectsWith(h.effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
    assert.equal(h.counts('dns_zone_add').calls, 1);
  });
});

describe('ISPConfig answers that are not a JSON envelope', () => {
  /** A stand-in panel that answers every request with `body` at HTTP 200. */
  async function panelAnswering(body: string): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/remote/json.php`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('treats the HTML error page a dying PHP prints at HTTP 200 as retryable UPSTREAM_UNAVAILABLE', async () => {
    const panel = await panelAnswering('<!DOCTYPE html><html><body><div class="error"><h1>Error</h1>Primary ID fehlt!</div></body></html>');
    const effects = createIspconfigEffects({ ...CONFIG, url: panel.url });
    await rejectsWith(effects.createDnsZone(input('aaa.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
    await effects.close();
    await panel.close();
  });

  it('reports a switched-off remote API as a permanent configuration problem', async () => {
    const panel = await panelAnswering('Remote API is disabled in security settings.');
    const effects = createIspconfigEffects({ ...CONFIG, url: panel.url });
    await rejectsWith(effects.removeDnsZone({ serviceId: '42', domain: 'aaa.example' }, signal()), 'UPSTREAM_AUTH_FAILED', false);
    await effects.close();
    await panel.close();
  });
});

describe('ISPConfig concurrency', () => {
  let h: Harness;
  after(() => h.close());

  it('keeps at most `concurrency` requests in flight and shows the queue', async () => {
    h = await startHarness({ concurrency: 2 }, { latency: new Latency(0.02) });
    h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'latency', latencyMs: 30, times: Infinity });
    const runs = ['a', 'b', 'c', 'd', 'e', 'f'].map((d) => h.effects.createDnsZone(input(`${d}${d}${d}.example`), signal()));
    let mostPending = 0;
    const sampler = setInterval(() => {
      const queue = h.effects.queue();
      assert.ok(queue.active <= 2, JSON.stringify(queue));
      mostPending = Math.max(mostPending, queue.pending);
    }, 5);
    await Promise.all(runs).finally(() => clearInterval(sampler));
    assert.ok(mostPending > 0, 'work waited in the queue');
    const counts = h.api.faults.counts();
    const inFlight = Object.entries(counts).filter(([op]) => op.startsWith('ispconfig.'));
    for (const [op, c] of inFlight) assert.ok(c.maxInFlight <= 2, `${op} had ${c.maxInFlight} in flight`);
    assert.equal(h.api.sim.zones().length, 6);
    assert.deepEqual(h.effects.queue(), { active: 0, pending: 0 });
  });
});

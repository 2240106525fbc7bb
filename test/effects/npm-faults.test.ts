import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, startNpm, type NpmFixture } from './npm-harness.js';
import { READ_RETRY } from '../../src/effects/read-retry.js';

describe('NPM effects classify what goes wrong', () => {
  let npm: NpmFixture;
  before(async () => {
    npm = await startNpm();
  });
  after(async () => npm.close());

  const site = (fqdn: string) => ({ serviceId: 'svc-1', fqdn, privateIp: '127.42.0.20' });
  const expect = (code: string, retryable: boolean) => (error: unknown) => {
    assert.deepEqual(errorOf(error), { code, retryable, system: 'npm' });
    return true;
  };

  for (const status of [500, 502, 503, 598]) {
    it(`makes a ${status} retryable UPSTREAM_UNAVAILABLE`, async () => {
      // A gateway's 502/503 is a lost read, asked again (read-retry.ts): every try fails here.
      const times = status === 502 || status === 503 ? READ_RETRY.attempts : 1;
      npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'status', status, message: 'Internal Error', times });
      await assert.rejects(npm.effects.createProxyHost(site('a.sites.test')), expect('UPSTREAM_UNAVAILABLE', true));
    });
  }

  it('makes a reset connection retryable UPSTREAM_UNAVAILABLE', async () => {
    npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'reset', times: READ_RETRY.attempts });
    await assert.rejects(npm.effects.deleteProxyHost({ serviceId: 'svc-1', fqdn: 'a.sites.test' }), expect('UPSTREAM_UNAVAILABLE', true));
  });

  it('makes a request that never answers a retryable UPSTREAM_TIMEOUT after the client timeout', async () => {
    const effects = npm.effectsWith({ timeoutMs: 150 });
    npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'timeout' });
    const started = Date.now();
    await assert.rejects(effects.createProxyHost(site('a.sites.test')), expect('UPSTREAM_TIMEOUT', true));
    assert.ok(Date.now() - started < 2000);
  });

  it('makes a certificate request that outlasts its own timeout a retryable UPSTREAM_TIMEOUT', async () => {
    const effects = npm.effectsWith({ certificateTimeoutMs: 150 });
    npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'timeout' });
    await assert.rejects(effects.issueCertificate({ serviceId: 'svc-1', domain: 'slow.sites.test' }), expect('UPSTREAM_TIMEOUT', true));
  });

  it('makes a 400 on create permanent UPSTREAM_REJECTED', async () => {
    npm.faults.inject({ op: 'npm.proxy_hosts.create', kind: 'status', status: 400, message: 'data/forward_port must be <= 65535' });
    await assert.rejects(npm.effects.createProxyHost(site('b.sites.test')), expect('UPSTREAM_REJECTED', false));
  });

  it('makes a 403 permanent UPSTREAM_AUTH_FAILED', async () => {
    npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'status', status: 403, message: 'Permission Denied' });
    await assert.rejects(npm.effects.createProxyHost(site('b.sites.test')), expect('UPSTREAM_AUTH_FAILED', false));
  });

  it('makes a 429 retryable UPSTREAM_RATE_LIMITED', async () => {
    npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'status', status: 429, message: 'Too Many Requests' });
    await assert.rejects(npm.effects.createProxyHost(site('b.sites.test')), expect('UPSTREAM_RATE_LIMITED', true));
  });

  it('tries a failing call once: the machine owns retries', async () => {
    await npm.effects.deleteProxyHost({ serviceId: 'svc-1', fqdn: 'c.sites.test' });
    npm.faults.resetCounters();
    npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'status', status: 500, message: 'Internal Error' });
    await assert.rejects(npm.effects.deleteProxyHost({ serviceId: 'svc-1', fqdn: 'c.sites.test' }), expect('UPSTREAM_UNAVAILABLE', true));
    assert.equal(npm.faults.counts()['npm.proxy_hosts.list']?.calls, 1);
  });

  it('passes the caller\'s abort on instead of classifying it', async () => {
    const controller = new AbortController();
    npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'timeout' });
    const run = npm.effects.deleteProxyHost({ serviceId: 'svc-1', fqdn: 'd.sites.test' }, controller.signal);
    setTimeout(() => controller.abort(new Error('actor stopped')), 50);
    await assert.rejects(run, { message: 'actor stopped' });
  });
});

describe('NPM effects bound their concurrency', () => {
  it('never has more requests in flight than configured, and shows the waiting ones in queue()', async () => {
    const npm = await startNpm();
    try {
      const effects = npm.effectsWith({ concurrency: 2 });
      await effects.deleteProxyHost({ serviceId: 'svc-0', fqdn: 'warm.sites.test' }); // log in first
      npm.faults.resetCounters();
      npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'latency', latencyMs: 40, times: Infinity });
      const runs = Array.from({ length: 8 }, (_, i) => effects.deleteProxyHost({ serviceId: `svc-${i}`, fqdn: `n${i}.sites.test` }));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const queued = effects.queue();
      assert.equal(queued.active, 2);
      assert.ok(queued.pending > 0);
      await Promise.all(runs);
      const counts = npm.faults.counts();
      assert.equal(counts['npm.proxy_hosts.list']?.calls, 8);
      assert.ok((counts['npm.proxy_hosts.list']?.maxInFlight ?? 0) <= 2);
      assert.ok((counts['npm.certificates.list']?.maxInFlight ?? 0) <= 2);
    } finally {
      await npm.close();
    }
  });
});

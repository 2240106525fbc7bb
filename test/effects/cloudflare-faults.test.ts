import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { createCloudflareClient } from '../../src/effects/cloudflare/client.js';
import { createCloudflareEffects, type CloudflareEffects } from '../../src/effects/cloudflare/cloudflare.effects.js';
import { allRecords, never, startCloudflare, TOKEN, ZONE, type CloudflareHarness } from './cloudflare-effects-harness.js';
import { READ_RETRY } from '../../src/effects/read-retry.js';

const SITE = { serviceId: '77', fqdn: 'faulty.example.com', publicIp: '203.0.113.77' } as const;

let cf: CloudflareHarness;
let effects: CloudflareEffects;

beforeEach(async () => {
  cf = await startCloudflare();
  effects = createCloudflareEffects({ apiToken: TOKEN, zoneId: ZONE.id, baseUrl: cf.baseUrl, timeoutMs: 1_000 });
});
afterEach(async () => {
  await cf.close();
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.system, 'cloudflare');
    return error;
  }
  return assert.fail('expected the effect to fail');
}

describe('classification of Cloudflare failures', () => {
  for (const status of [500, 502, 503, 598, 599]) {
    test(`a ${status} on create is a retryable UPSTREAM_UNAVAILABLE, sent exactly once`, async () => {
      cf.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'status', status });
      const error = await failure(effects.createDnsRecord(SITE, never()));
      assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(error.retryable, true);
      assert.equal(cf.calls('cloudflare.dns_records.create'), 1, 'no retry inside the effect');
      assert.deepEqual(await allRecords(cf.baseUrl), []);
    });
  }

  test('a reset connection is a retryable UPSTREAM_UNAVAILABLE', async () => {
    cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'reset', times: READ_RETRY.attempts });
    const error = await failure(effects.createDnsRecord(SITE, never()));
    assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(cf.calls('cloudflare.dns_records.list'), READ_RETRY.attempts, 'the read was asked again, then given up');
    assert.equal(cf.calls('cloudflare.dns_records.create'), 0);
  });

  test('a read lost once is asked again inside the effect; a write never is', async () => {
    cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'reset' });
    await effects.createDnsRecord(SITE, never());
    assert.equal(cf.calls('cloudflare.dns_records.list'), 2);
    assert.equal((await allRecords(cf.baseUrl)).length, 1);
    cf.faults.inject({ op: 'cloudflare.dns_records.delete', kind: 'status', status: 502, message: 'Bad Gateway' });
    await failure(effects.deleteDnsRecord({ serviceId: SITE.serviceId, fqdn: SITE.fqdn }, never()));
    assert.equal(cf.calls('cloudflare.dns_records.delete'), 1);
  });

  test('no answer within the client timeout is a retryable UPSTREAM_TIMEOUT', async () => {
    cf.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'timeout' });
    const started = Date.now();
    const error = await failure(effects.createDnsRecord(SITE, never()));
    assert.equal(error.code, 'UPSTREAM_TIMEOUT');
    assert.equal(error.retryable, true);
    assert.ok(Date.now() - started < 3000, 'the 1 s timeout fired, not the SDK default minute');
    assert.equal(cf.calls('cloudflare.dns_records.create'), 1);
  });

  test('a 400 is a permanent UPSTREAM_REJECTED carrying Cloudflare\'s code', async () => {
    cf.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'status', status: 400, message: 'Bad request' });
    const error = await failure(effects.createDnsRecord(SITE, never()));
    assert.equal(error.code, 'UPSTREAM_REJECTED');
    assert.equal(error.retryable, false);
    assert.deepEqual(error.details?.cloudflareCodes, [1004]);
  });

  test('an unknown token is a permanent UPSTREAM_AUTH_FAILED whose message does not contain the token', async () => {
    const wrongToken = 'W'.repeat(40);
    const stranger = createCloudflareEffects({ apiToken: wrongToken, zoneId: ZONE.id, baseUrl: cf.baseUrl });
    const error = await failure(stranger.createDnsRecord(SITE, never()));
    assert.equal(error.code, 'UPSTREAM_AUTH_FAILED');
    assert.equal(error.retryable, false);
    assert.deepEqual(error.details?.cloudflareCodes, [9109]);
    assert.ok(!error.message.includes(wrongToken));
  });

  test('a malformed token (400 6003) and an injected 401 are UPSTREAM_AUTH_FAILED too', async () => {
    const malformed = createCloudflareEffects({ apiToken: 'short', zoneId: ZONE.id, baseUrl: cf.baseUrl });
    assert.equal((await failure(malformed.deleteDnsRecord(SITE, never()))).code, 'UPSTREAM_AUTH_FAILED');
    cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'status', status: 401 });
    assert.equal((await failure(effects.deleteDnsRecord(SITE, never()))).code, 'UPSTREAM_AUTH_FAILED');
  });

  test('legacy credentials in the environment are not sent alongside the token', async () => {
    process.env.CLOUDFLARE_EMAIL = 'someone@example.com';
    process.env.CLOUDFLARE_API_KEY = 'a'.repeat(37);
    try {
      const fromEnv = createCloudflareEffects({ apiToken: TOKEN, zoneId: ZONE.id, baseUrl: cf.baseUrl });
      await fromEnv.createDnsRecord(SITE, never());
    } finally {
      delete process.env.CLOUDFLARE_EMAIL;
      delete process.env.CLOUDFLARE_API_KEY;
    }
    assert.equal((await allRecords(cf.baseUrl)).length, 1);
  });

  test('a wrong zone id is a permanent UPSTREAM_REJECTED', async () => {
    const lost = createCloudflareEffects({ apiToken: TOKEN, zoneId: '0'.repeat(32), baseUrl: cf.baseUrl });
    const error = await failure(lost.createDnsRecord(SITE, never()));
    assert.equal(error.code, 'UPSTREAM_REJECTED');
    assert.equal(error.retryable, false);
  });

  test('a server 429 is a retryable UPSTREAM_RATE_LIMITED with the Retry-After wait, and nothing is sent until it passes', async () => {
    let now = 1_000_000;
    const client = createCloudflareClient({ apiToken: TOKEN, baseUrl: cf.baseUrl, now: () => now });
    const limited = createCloudflareEffects({ client, zoneId: ZONE.id });
    cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const first = await failure(limited.createDnsRecord(SITE, never()));
    assert.equal(first.code, 'UPSTREAM_RATE_LIMITED');
    assert.equal(first.retryable, true);
    assert.equal(first.details?.retryAfterMs, 30_000);

    // Cloudflare keeps refusing (and counting) calls during its block: we do not knock.
    const second = await failure(limited.createDnsRecord(SITE, never()));
    assert.equal(second.code, 'UPSTREAM_RATE_LIMITED');
    assert.equal(second.details?.local, true);
    assert.equal(second.details?.retryAfterMs, 30_000);
    assert.match(second.message, /Cloudflare answered 429 and its Retry-After has not passed/, 'not mistaken for our own budget');
    assert.equal(cf.calls('cloudflare.dns_records.list'), 1);

    now += 30_000;
    await limited.createDnsRecord(SITE, never());
    assert.equal((await allRecords(cf.baseUrl)).length, 1);
  });

  test('the simulator\'s own rate limit answers 429 and is classified the same way', async () => {
    await cf.close();
    cf = await startCloudflare({ rateLimit: { requests: 1, windowMs: 60_000 } });
    const strict = createCloudflareEffects({ apiToken: TOKEN, zoneId: ZONE.id, baseUrl: cf.baseUrl });
    const error = await failure(strict.createDnsRecord(SITE, never()));
    assert.equal(error.code, 'UPSTREAM_RATE_LIMITED');
    assert.equal(error.retryable, true);
    assert.equal(error.details?.retryAfterMs, 60_000);
  });
});

describe('cancellation', () => {
  test('an aborted signal cancels the request in flight', async () => {
    cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'timeout' });
    const slow = createCloudflareEffects({ apiToken: TOKEN, zoneId: ZONE.id, baseUrl: cf.baseUrl, timeoutMs: 10_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(slow.createDnsRecord(SITE, controller.signal));
    assert.equal(error.retryable, true);
    assert.equal(error.details?.aborted, true);
    assert.ok(Date.now() - started < 2000);
  });

  test('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await failure(effects.createDnsRecord(SITE, controller.signal));
    assert.equal(cf.calls('cloudflare.dns_records.list'), 0);
  });
});

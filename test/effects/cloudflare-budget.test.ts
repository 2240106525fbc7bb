import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { createCloudflareClient } from '../../src/effects/cloudflare/client.js';
import { createCloudflareEffects } from '../../src/effects/cloudflare/cloudflare.effects.js';
import { RequestBudget } from '../../src/effects/cloudflare/request-budget.js';
import { allRecords, never, startCloudflare, TOKEN, ZONE, type CloudflareHarness } from './cloudflare-effects-harness.js';

describe('the request budget on its own', () => {
  test('allows the configured number of requests per sliding window, then says how long to wait', () => {
    let now = 0;
    const budget = new RequestBudget({ requests: 3, windowMs: 1000 }, () => now);
    assert.deepEqual([budget.take(), budget.take()], [{ allowed: true }, { allowed: true }]);
    now = 400;
    assert.deepEqual(budget.take(), { allowed: true });
    assert.deepEqual(budget.take(), { allowed: false, waitMs: 600, blocked: false }, 'the first two calls age out at 1000');
    now = 1000;
    assert.deepEqual(budget.take(), { allowed: true });
    assert.deepEqual(budget.take(), { allowed: true });
    assert.deepEqual(budget.take(), { allowed: false, waitMs: 400, blocked: false }, 'the call at 400 ages out at 1400');
    assert.deepEqual(budget.status(), { used: 3, limit: 3, windowMs: 1000, waitMs: 400 });
  });

  test('a refusal does not spend budget, and a server block holds even with room in the window', () => {
    let now = 0;
    const budget = new RequestBudget({ requests: 1, windowMs: 100 }, () => now);
    budget.take();
    for (let i = 0; i < 5; i++) assert.equal(budget.take().allowed, false);
    now = 100;
    budget.blockFor(5000);
    assert.deepEqual(budget.take(), { allowed: false, waitMs: 5000, blocked: true }, 'the block, not our log, is what holds');
    now = 5100;
    assert.deepEqual(budget.take(), { allowed: true });
  });

  test('rejects a budget that could never send anything', () => {
    assert.throws(() => new RequestBudget({ requests: 0, windowMs: 1000 }, Date.now), RangeError);
    assert.throws(() => new RequestBudget({ requests: 5, windowMs: 0 }, Date.now), RangeError);
  });
});

describe('the budget and concurrency limit around the effects', () => {
  let cf: CloudflareHarness;
  beforeEach(async () => {
    cf = await startCloudflare();
  });
  afterEach(async () => {
    await cf.close();
  });

  test('every SDK call spends budget; once spent, nothing is sent and the error names the wait', async () => {
    let now = 0;
    const client = createCloudflareClient({ apiToken: TOKEN, baseUrl: cf.baseUrl, budget: { requests: 3, windowMs: 10_000 }, now: () => now });
    const effects = createCloudflareEffects({ client, zoneId: ZONE.id });
    await effects.createDnsRecord({ serviceId: '1', fqdn: 'a.example.com', publicIp: '203.0.113.1' }, never()); // list + create
    now = 4000;
    // List succeeds (3rd request), create is refused locally.
    const error = await effects.createDnsRecord({ serviceId: '2', fqdn: 'b.example.com', publicIp: '203.0.113.2' }, never()).then(
      () => assert.fail('expected the budget to be spent'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'UPSTREAM_RATE_LIMITED');
    assert.equal(error.retryable, true);
    assert.equal(error.details?.retryAfterMs, 6000);
    assert.match(error.message, /our request budget is spent \(3 per 10 s\); retry in 6 s/);
    assert.equal(cf.calls('cloudflare.dns_records.create'), 1, 'the refused create never left the process');
    assert.deepEqual(client.budget(), { used: 3, limit: 3, windowMs: 10_000, waitMs: 6000 });

    now = 10_000; // the first two calls have aged out
    await effects.createDnsRecord({ serviceId: '2', fqdn: 'b.example.com', publicIp: '203.0.113.2' }, never());
    assert.deepEqual((await allRecords(cf.baseUrl)).map((r) => r.name).sort(), ['a.example.com', 'b.example.com']);
  });

  test('no more requests than the concurrency limit are in flight, and the rest wait visibly in the queue', async () => {
    await cf.close();
    cf = await startCloudflare({ timeScale: 0.02 }); // writes take 30 ms, so they overlap
    const client = createCloudflareClient({ apiToken: TOKEN, baseUrl: cf.baseUrl, concurrency: 2 });
    const effects = createCloudflareEffects({ client, zoneId: ZONE.id });
    const sites = Array.from({ length: 8 }, (_, i) => ({ serviceId: `s${i}`, fqdn: `site${i}.example.com`, publicIp: `203.0.113.${i + 1}` }));
    const running = Promise.all(sites.map((site) => effects.createDnsRecord(site, never())));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const queued = client.queue();
    assert.equal(queued.active, 2);
    assert.ok(queued.pending > 0, `expected waiting work, got ${JSON.stringify(queued)}`);
    await running;
    assert.equal((await allRecords(cf.baseUrl)).length, 8);
    assert.equal(cf.maxInFlight('cloudflare.dns_records.create'), 2);
    assert.ok(cf.maxInFlight('cloudflare.dns_records.list') <= 2);
    assert.deepEqual(client.queue(), { active: 0, pending: 0 });
  });
});

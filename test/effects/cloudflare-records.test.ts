import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { createCloudflareEffects, type CloudflareEffects } from '../../src/effects/cloudflare/cloudflare.effects.js';
import { allRecords, never, putRecord, startCloudflare, TOKEN, ZONE, type CloudflareHarness } from './cloudflare-effects-harness.js';

const SITE = { serviceId: '1234', fqdn: 'shop.example.com', publicIp: '203.0.113.10' } as const;
const MARKER = 'provisiond:1234';

let cf: CloudflareHarness;
let effects: CloudflareEffects;

beforeEach(async () => {
  cf = await startCloudflare();
  effects = createCloudflareEffects({ apiToken: TOKEN, zoneId: ZONE.id, baseUrl: cf.baseUrl, timeoutMs: 2000 });
});
afterEach(async () => {
  await cf.close();
});

const isCode = (code: string, retryable: boolean) => (error: unknown): boolean => {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.retryable, retryable);
  assert.equal(error.system, 'cloudflare');
  return true;
};

describe('createDnsRecord', () => {
  test('creates one DNS-only A record with TTL 300 and the service marker as its comment', async () => {
    await effects.createDnsRecord(SITE, never());
    const records = await allRecords(cf.baseUrl);
    assert.equal(records.length, 1);
    assert.deepEqual(
      records.map(({ name, type, content, ttl, proxied, comment }) => ({ name, type, content, ttl, proxied, comment })),
      [{ name: 'shop.example.com', type: 'A', content: '203.0.113.10', ttl: 300, proxied: false, comment: MARKER }],
    );
  });

  test('called twice, it leaves one record and the second call writes nothing', async () => {
    await effects.createDnsRecord(SITE, never());
    await effects.createDnsRecord(SITE, never());
    assert.equal((await allRecords(cf.baseUrl)).length, 1);
    assert.equal(cf.calls('cloudflare.dns_records.create'), 1);
    assert.equal(cf.calls('cloudflare.dns_records.edit'), 0);
  });

  test('adopts a record of ours created before a crash, matching the name case-insensitively', async () => {
    const before = await putRecord(cf.baseUrl, { type: 'A', name: 'shop.example.com', content: SITE.publicIp, comment: MARKER });
    await effects.createDnsRecord({ ...SITE, fqdn: 'Shop.Example.com.' }, never());
    const records = await allRecords(cf.baseUrl);
    assert.deepEqual(records.map((r) => r.id), [before.id]);
    assert.equal(cf.calls('cloudflare.dns_records.create'), 1, 'only the setup create');
    assert.equal(cf.calls('cloudflare.dns_records.edit'), 0);
  });

  test('fixes the address, TTL and proxy status of a record of ours that drifted', async () => {
    const before = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: '198.51.100.7', ttl: 1, proxied: true, comment: MARKER });
    await effects.createDnsRecord(SITE, never());
    const [record, ...rest] = await allRecords(cf.baseUrl);
    assert.deepEqual(rest, []);
    assert.equal(record?.id, before.id);
    assert.equal(record?.content, SITE.publicIp);
    assert.equal(record?.ttl, 300);
    assert.equal(record?.proxied, false);
    assert.equal(record?.comment, MARKER);
  });

  test('keeps one of two records of ours and deletes the extra one', async () => {
    await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: '198.51.100.7', comment: MARKER });
    const right = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: SITE.publicIp, comment: MARKER });
    await effects.createDnsRecord(SITE, never());
    assert.deepEqual((await allRecords(cf.baseUrl)).map((r) => r.id), [right.id]);
  });

  test('refuses with NOT_OURS when an unmarked A record holds the name, and changes nothing', async () => {
    const foreign = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: '198.51.100.9' });
    await assert.rejects(effects.createDnsRecord(SITE, never()), isCode('NOT_OURS', false));
    assert.deepEqual(await allRecords(cf.baseUrl), [foreign]);
  });

  test('refuses with NOT_OURS when the A record belongs to another service, even with our address', async () => {
    const other = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: SITE.publicIp, comment: 'provisiond:999' });
    await assert.rejects(effects.createDnsRecord(SITE, never()), isCode('NOT_OURS', false));
    assert.deepEqual(await allRecords(cf.baseUrl), [other]);
  });

  test('refuses with NOT_OURS when a CNAME holds the name', async () => {
    const cname = await putRecord(cf.baseUrl, { type: 'CNAME', name: SITE.fqdn, content: 'elsewhere.example.net' });
    await assert.rejects(effects.createDnsRecord(SITE, never()), isCode('NOT_OURS', false));
    assert.deepEqual(await allRecords(cf.baseUrl), [cname]);
  });

  test('a duplicate reported by create (a race with our earlier attempt) is adopted after a second look', async () => {
    // Hold the effect's create on the server while "the earlier attempt" lands the same record.
    cf.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'latency', latencyMs: 300 });
    const running = effects.createDnsRecord(SITE, never());
    while (cf.inFlight('cloudflare.dns_records.create') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const earlier = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: SITE.publicIp, comment: MARKER });
    await running;
    assert.equal(cf.calls('cloudflare.dns_records.list'), 2, 'listed again after 81058');
    assert.deepEqual((await allRecords(cf.baseUrl)).map((r) => r.id), [earlier.id]);
  });

  test('a duplicate that turns out to be someone else\'s is refused with NOT_OURS', async () => {
    cf.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'latency', latencyMs: 300 });
    const running = effects.createDnsRecord(SITE, never());
    while (cf.inFlight('cloudflare.dns_records.create') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: SITE.publicIp });
    await assert.rejects(running, isCode('NOT_OURS', false));
    assert.equal((await allRecords(cf.baseUrl)).length, 1);
  });

  test('an address Cloudflare rejects is a permanent UPSTREAM_REJECTED', async () => {
    await assert.rejects(effects.createDnsRecord({ ...SITE, publicIp: 'not-an-ip' }, never()), isCode('UPSTREAM_REJECTED', false));
  });
});

describe('deleteDnsRecord', () => {
  test('deletes our record, and a second delete succeeds with nothing to do', async () => {
    await effects.createDnsRecord(SITE, never());
    await effects.deleteDnsRecord(SITE, never());
    assert.deepEqual(await allRecords(cf.baseUrl), []);
    await effects.deleteDnsRecord(SITE, never());
    assert.equal(cf.calls('cloudflare.dns_records.delete'), 1);
  });

  test('deletes every record of ours on the name and leaves foreign ones, there or elsewhere, alone', async () => {
    await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: '198.51.100.1', comment: MARKER });
    await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: '198.51.100.2', comment: MARKER });
    const foreign = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: '198.51.100.3', comment: 'hand-made' });
    const otherService = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: '198.51.100.4', comment: 'provisiond:12345' });
    const elsewhere = await putRecord(cf.baseUrl, { type: 'A', name: 'blog.example.com', content: '198.51.100.5', comment: MARKER });
    await effects.deleteDnsRecord(SITE, never());
    const left = (await allRecords(cf.baseUrl)).map((r) => r.id).sort();
    assert.deepEqual(left, [foreign.id, otherService.id, elsewhere.id].sort());
  });

  test('a record deleted by someone else between our list and our delete counts as deleted', async () => {
    const ours = await putRecord(cf.baseUrl, { type: 'A', name: SITE.fqdn, content: SITE.publicIp, comment: MARKER });
    cf.faults.inject({ op: 'cloudflare.dns_records.delete', kind: 'latency', latencyMs: 200 });
    const running = effects.deleteDnsRecord(SITE, never());
    while (cf.inFlight('cloudflare.dns_records.delete') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const gone = await fetch(`${cf.baseUrl}/zones/${ZONE.id}/dns_records/${ours.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(gone.status, 200);
    await running;
    assert.deepEqual(await allRecords(cf.baseUrl), []);
  });
});

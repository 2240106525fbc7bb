/**
 * The Cloudflare inventory against the simulator: only records whose comment is exactly our
 * marker are listed, across pages; a marked record is deleted by id only while it still
 * carries the marker named, and an unmarked one is never touched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCloudflareClient } from '../../src/effects/cloudflare/client.js';
import { createCloudflareEffects } from '../../src/effects/cloudflare/cloudflare.effects.js';
import { createCloudflareInventory, ownerOfComment } from '../../src/effects/cloudflare/inventory.js';
import { allRecords, never, putRecord, startCloudflare, TOKEN, ZONE, type CloudflareHarness } from './cloudflare-effects-harness.js';

describe('Cloudflare inventory', () => {
  let cf: CloudflareHarness;
  let inventory: ReturnType<typeof createCloudflareInventory>;
  before(async () => {
    cf = await startCloudflare();
    const client = createCloudflareClient({ apiToken: TOKEN, baseUrl: cf.baseUrl });
    inventory = createCloudflareInventory({ client, zoneId: ZONE.id });
    await createCloudflareEffects({ zoneId: ZONE.id, client }).createDnsRecord({ serviceId: 'svc-a', fqdn: 'A.Example.com', publicIp: '203.0.113.10' }, never());
    await putRecord(cf.baseUrl, { type: 'A', name: 'ghost.example.com', content: '198.51.100.1', comment: 'provisiond:ghost-1' });
    await putRecord(cf.baseUrl, { type: 'A', name: 'mail.example.com', content: '198.51.100.2' });
    await putRecord(cf.baseUrl, { type: 'A', name: 'notes.example.com', content: '198.51.100.3', comment: 'provisiond:svc-a was here once' });
    await putRecord(cf.baseUrl, { type: 'TXT', name: 'txt.example.com', content: '"hello"', comment: 'provisiond:svc-t' });
  });
  after(async () => cf.close());

  it('lists the records carrying a marker, with their owners, and nothing else', async () => {
    const found = (await inventory.records(never())).map(({ id: _id, ...rest }) => rest).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(found, [
      { name: 'a.example.com', type: 'A', content: '203.0.113.10', owner: 'svc-a' },
      { name: 'ghost.example.com', type: 'A', content: '198.51.100.1', owner: 'ghost-1' },
      { name: 'txt.example.com', type: 'TXT', content: '"hello"', owner: 'svc-t' },
    ]);
  });

  it('pages through many marked records (one request per 100)', async () => {
    // 100 more: 103 marked records in all, so the list needs a second page.
    for (let i = 0; i < 100; i++) await putRecord(cf.baseUrl, { type: 'A', name: `bulk${i}.example.com`, content: '198.51.100.9', comment: `provisiond:bulk-${i}` });
    const before = cf.calls('cloudflare.dns_records.list');
    const found = await inventory.records(never());
    assert.equal(found.length, 103);
    assert.equal(cf.calls('cloudflare.dns_records.list') - before, 2);
  });

  it('deletes a marked record by id, and tolerates one already gone', async () => {
    const ghost = (await allRecords(cf.baseUrl)).find((r) => r.name === 'ghost.example.com');
    assert.ok(ghost);
    await inventory.deleteRecord({ serviceId: 'ghost-1', id: ghost.id }, never());
    assert.equal((await allRecords(cf.baseUrl)).some((r) => r.id === ghost.id), false);
    await inventory.deleteRecord({ serviceId: 'ghost-1', id: ghost.id }, never());
  });

  it('refuses (NOT_OURS) a record without that exact marker, and leaves it', async () => {
    const records = await allRecords(cf.baseUrl);
    for (const [name, serviceId] of [['mail.example.com', 'svc-a'], ['notes.example.com', 'svc-a'], ['a.example.com', 'svc-b']] as const) {
      const target = records.find((r) => r.name === name);
      assert.ok(target, name);
      await assert.rejects(inventory.deleteRecord({ serviceId, id: target.id }, never()), (error: { code?: string }) => error.code === 'NOT_OURS');
      assert.ok((await allRecords(cf.baseUrl)).some((r) => r.id === target.id), `${name} is still there`);
    }
  });

  it('reads an owner only from a comment that is exactly a marker', () => {
    assert.equal(ownerOfComment('provisiond:12345'), '12345');
    assert.equal(ownerOfComment('provisiond:svc-1 and more'), null);
    assert.equal(ownerOfComment(' provisiond:svc-1'), null);
    assert.equal(ownerOfComment(null), null);
  });
});

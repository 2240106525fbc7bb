import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  assertShape, call, createRecord, recordsPath, SHAPES, startCloudflare, ZONE, type Answer, type Harness,
} from './cloudflare-harness.js';

let cf: Harness;
beforeEach(async () => {
  cf = await startCloudflare();
});
afterEach(async () => {
  await cf.close();
});

const post = (body: unknown): Promise<Answer> => call(cf.base, recordsPath(), { method: 'POST', body });

/** The full failure body, and that it fits the spec's failure envelope. */
function assertRefused(answer: Answer, status: number, code: number, message?: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assertShape(answer.body, SHAPES.failure);
  const [error] = answer.body.errors as { code: number; message: string }[];
  assert.equal(error?.code, code, JSON.stringify(answer.body));
  if (message !== undefined) assert.equal(error?.message, message);
  assert.equal(answer.body.result, null);
  assert.equal(answer.body.success, false);
}

describe('duplicate and conflicting records', () => {
  test('creating the same A record twice answers 81058 when nothing differs', async () => {
    const record = { type: 'A', name: 'shop.example.com', content: '203.0.113.10', ttl: 1, proxied: false };
    await createRecord(cf.base, record);
    assertRefused(await post(record), 400, 81058, 'An identical record already exists.');
    // Name case, a relative name and the comment do not make it a different record.
    assertRefused(await post({ ...record, name: 'SHOP', comment: 'other' }), 400, 81058);
  });

  test('the same A record with another TTL or proxy status answers 81057 "Record already exists."', async () => {
    const record = { type: 'A', name: 'shop', content: '203.0.113.10', ttl: 1, proxied: false };
    await createRecord(cf.base, record);
    assertRefused(await post({ ...record, ttl: 300 }), 400, 81057, 'Record already exists.');
    assertRefused(await post({ ...record, proxied: true }), 400, 81057, 'Record already exists.');
    const list = await call(cf.base, `${recordsPath()}?name.exact=shop.example.com`);
    assert.equal((list.body.result as unknown[]).length, 1, 'no duplicate was stored');
  });

  test('two A records with different addresses share a name', async () => {
    await createRecord(cf.base, { type: 'A', name: 'rr', content: '203.0.113.1', ttl: 1 });
    await createRecord(cf.base, { type: 'A', name: 'rr', content: '203.0.113.2', ttl: 1 });
  });

  test('TXT records compare by their data, quoted or not', async () => {
    await createRecord(cf.base, { type: 'TXT', name: '_verify', content: 'token-123', ttl: 1 });
    assertRefused(await post({ type: 'TXT', name: '_verify', content: '"token-123"', ttl: 1 }), 400, 81058);
    assertRefused(await post({ type: 'TXT', name: '_verify', content: '"token-" "123"', ttl: 1 }), 400, 81058);
    await createRecord(cf.base, { type: 'TXT', name: '_verify', content: 'TOKEN-123', ttl: 1 });
  });

  test('an update that would duplicate another record is refused, but a record never conflicts with itself', async () => {
    await createRecord(cf.base, { type: 'A', name: 'a', content: '203.0.113.1', ttl: 1 });
    const b = await createRecord(cf.base, { type: 'A', name: 'a', content: '203.0.113.2', ttl: 1 });
    const path = `${recordsPath()}/${String(b.id)}`;
    assertRefused(await call(cf.base, path, { method: 'PATCH', body: { content: '203.0.113.1' } }), 400, 81058);
    assertRefused(await call(cf.base, path, { method: 'PUT', body: { type: 'A', name: 'a', content: '203.0.113.1', ttl: 120 } }), 400, 81057);
    const same = await call(cf.base, path, { method: 'PUT', body: { type: 'A', name: 'a', content: '203.0.113.2', ttl: 1 } });
    assert.equal(same.status, 200);
  });

  test('A/AAAA and CNAME cannot share a name: 81054 for the address, 81053 for the CNAME', async () => {
    await createRecord(cf.base, { type: 'CNAME', name: 'alias', content: 'example.net', ttl: 1 });
    const address = await post({ type: 'A', name: 'alias', content: '203.0.113.1', ttl: 1 });
    assertRefused(address, 400, 81054);
    assert.match((address.body.errors as { message: string }[])[0]?.message ?? '', /^A CNAME record with that host already exists\./);

    await createRecord(cf.base, { type: 'AAAA', name: 'host', content: '2001:db8::1', ttl: 1 });
    assertRefused(await post({ type: 'CNAME', name: 'host', content: 'example.net', ttl: 1 }), 400, 81053);
    assertRefused(await post({ type: 'CNAME', name: 'alias', content: 'example.org', ttl: 1 }), 400, 81053);
    assertRefused(await post({ type: 'CNAME', name: 'alias', content: 'example.net', ttl: 1 }), 400, 81058);
    // A TXT beside a CNAME is not one of the conflicts the API documents.
    await createRecord(cf.base, { type: 'TXT', name: 'alias', content: 'x', ttl: 1 });
  });
});

describe('record validation', () => {
  test('content is checked per type: 9005 for A, 9006 for AAAA, 9007 for CNAME', async () => {
    assertRefused(await post({ type: 'A', name: 'x', content: '2001:db8::1', ttl: 1 }), 400, 9005, 'Content for A record must be a valid IPv4 address.');
    assertRefused(await post({ type: 'A', name: 'x', content: '256.1.1.1', ttl: 1 }), 400, 9005);
    assertRefused(await post({ type: 'A', name: 'x', ttl: 1 }), 400, 9005);
    assertRefused(await post({ type: 'AAAA', name: 'x', content: '203.0.113.1', ttl: 1 }), 400, 9006);
    assertRefused(await post({ type: 'CNAME', name: 'x', content: '203.0.113.1', ttl: 1 }), 400, 9007, 'Content for CNAME record is invalid.');
    assertRefused(await post({ type: 'CNAME', name: 'x', content: 'https://example.net/', ttl: 1 }), 400, 9007);
    assertRefused(await post({ type: 'CNAME', name: 'x', content: 'x.example.com', ttl: 1 }), 400, 9007);
    assertRefused(await post({ type: 'TXT', name: 'x', content: '', ttl: 1 }), 400, 1004);
  });

  test('ttl must be 1 or 60–86400, with the real message (9021)', async () => {
    for (const ttl of [0, 30, 59, 86401, 120.5]) {
      assertRefused(await post({ type: 'A', name: 'x', content: '203.0.113.1', ttl }), 400, 9021, 'TTL must be between 60 and 86400 seconds, or 1 for Automatic.');
    }
    for (const ttl of [1, 60, 86400]) await createRecord(cf.base, { type: 'TXT', name: `t${ttl}`, content: 'x', ttl });
    assert.equal((await createRecord(cf.base, { type: 'TXT', name: 'default', content: 'x' })).ttl, 1, 'ttl defaults to automatic');
  });

  test('proxied is refused for TXT and for private addresses (9004)', async () => {
    assertRefused(await post({ type: 'TXT', name: 'x', content: 'x', ttl: 1, proxied: true }), 400, 9004, 'This record type cannot be proxied.');
    assertRefused(await post({ type: 'A', name: 'x', content: '192.168.1.10', ttl: 1, proxied: true }), 400, 9004);
    assertRefused(await post({ type: 'A', name: 'x', content: '127.0.0.8', ttl: 1, proxied: true }), 400, 9004);
    const proxied = await createRecord(cf.base, { type: 'A', name: 'x', content: '203.0.113.7', ttl: 3600, proxied: true });
    assert.equal(proxied.ttl, 1);
  });

  test('a comment is at most 100 characters, and tags are name:value', async () => {
    await createRecord(cf.base, { type: 'TXT', name: 'c100', content: 'x', ttl: 1, comment: 'c'.repeat(100) });
    assertRefused(await post({ type: 'TXT', name: 'c101', content: 'x', ttl: 1, comment: 'c'.repeat(101) }), 400, 1004);
    assertRefused(await post({ type: 'TXT', name: 't', content: 'x', ttl: 1, tags: ['no value'] }), 400, 1004);
  });

  test('an invalid name answers 9000 "DNS name is invalid."', async () => {
    for (const name of ['', 'a..b', 'bad name', '-dash', `${'a'.repeat(64)}`, `${'abc.'.repeat(64)}x`, 'a.*.b']) {
      assertRefused(await post({ type: 'TXT', name, content: 'x', ttl: 1 }), 400, 9000, 'DNS name is invalid.');
    }
    await createRecord(cf.base, { type: 'A', name: '*.wild', content: '203.0.113.1', ttl: 1 });
  });

  test('types: unknown is 1004, a valid type the sandbox does not model says so, missing type is 9207', async () => {
    assertRefused(await post({ type: 'BOGUS', name: 'x', content: 'x', ttl: 1 }), 400, 1004, 'DNS record type is invalid.');
    const mx = await post({ type: 'MX', name: 'x', content: 'mail.example.net', priority: 10, ttl: 1 });
    assertRefused(mx, 400, 1004);
    assert.match((mx.body.errors as { message: string }[])[0]?.message ?? '', /sandbox does not simulate MX/);
    assertRefused(await post({ name: 'x', content: 'x', ttl: 1 }), 400, 9207, 'Request body is invalid.');
    assertRefused(await post({ type: 'A', content: '203.0.113.1', ttl: 1 }), 400, 9207);
  });

  test('wrong JSON types, malformed JSON and a non-JSON body answer 9207 "Request body is invalid."', async () => {
    const bodies: unknown[] = [
      { type: 'A', name: 'x', content: ['203.0.113.1'], ttl: 1 },
      { type: 'A', name: 'x', content: '203.0.113.1', ttl: '1' },
      { type: 'A', name: 'x', content: '203.0.113.1', ttl: 1, proxied: 'false' },
      { type: 'A', name: 7, content: '203.0.113.1', ttl: 1 },
      { type: 'A', name: 'x', content: '203.0.113.1', ttl: 1, tags: 'a:b' },
      [],
      'A',
    ];
    for (const body of bodies) assertRefused(await post(body), 400, 9207);
    assertRefused(await call(cf.base, recordsPath(), { method: 'POST', rawBody: '{"type":' }), 400, 9207);
    assertRefused(await call(cf.base, recordsPath(), { method: 'POST', rawBody: 'type=A', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 9207);
    assertRefused(await call(cf.base, recordsPath(), { method: 'POST' }), 400, 9207);
  });

  test('unknown body fields are ignored, as the real API ignores zone_id and zone_name', async () => {
    const record = await createRecord(cf.base, { type: 'A', name: 'x', content: '203.0.113.1', ttl: 1, zone_id: 'nope', zone_name: 'nope', locked: true });
    assert.equal('locked' in record, false);
  });

  test('an unknown zone and a malformed record id answer 7003 then 7000; an unknown record 81044', async () => {
    const unknownZone = await call(cf.base, '/zones/0123456789abcdef0123456789abcdef/dns_records');
    assertRefused(unknownZone, 400, 7003);
    assert.deepEqual(unknownZone.body.errors, [
      { code: 7003, message: 'Could not route to /zones/0123456789abcdef0123456789abcdef/dns_records, perhaps your object identifier is invalid?' },
      { code: 7000, message: 'No route for that URI' },
    ]);
    assertRefused(await call(cf.base, '/zones/0123456789abcdef0123456789abcdef/dns_records', { method: 'POST', body: { type: 'A', name: 'x', content: '203.0.113.1', ttl: 1 } }), 400, 7003);
    assertRefused(await call(cf.base, `${recordsPath()}/not-an-id`), 400, 7003);
    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
      const body = method === 'PATCH' || method === 'PUT' ? { type: 'A', name: 'x', content: '203.0.113.1', ttl: 1 } : undefined;
      assertRefused(await call(cf.base, `${recordsPath()}/${'f'.repeat(32)}`, { method, body }), 404, 81044, 'Record does not exist.');
    }
    assert.equal(ZONE.id.length, 32);
  });
});

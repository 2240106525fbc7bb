import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  assertRecordAnswer, assertShape, call, createRecord, recordsPath, SHAPES, startCloudflare, type Harness,
} from './cloudflare-harness.js';

type Rec = Record<string, unknown>;

/** A new simulator (so fresh zones) for every test: it is cheap. */
let cf: Harness;
beforeEach(async () => {
  cf = await startCloudflare();
});
afterEach(async () => {
  await cf.close();
});

const list = async (query: string): Promise<{ result: Rec[]; info: Rec }> => {
  const answer = await call(cf.base, `${recordsPath()}${query}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assertShape(answer.body, SHAPES.recordCollection);
  assertShape(answer.body, SHAPES.collection);
  return { result: answer.body.result as Rec[], info: answer.body.result_info as Rec };
};

describe('DNS record CRUD', () => {
  test('creating an A record answers it with a 32-hex id, the FQDN name and the schema shape', async () => {
    const answer = await call(cf.base, recordsPath(), {
      method: 'POST',
      body: { type: 'A', name: 'shop', content: '203.0.113.10', ttl: 1, proxied: false, comment: 'provisiond:svc-1' },
    });
    assert.equal(answer.status, 200);
    assertRecordAnswer(answer.body);
    assert.deepEqual(answer.body.errors, []);
    assert.deepEqual(answer.body.messages, []);
    const record = answer.body.result as Rec;
    assert.equal(record.name, 'shop.example.com');
    assert.equal(record.type, 'A');
    assert.equal(record.content, '203.0.113.10');
    assert.equal(record.proxiable, true);
    assert.equal(record.proxied, false);
    assert.equal(record.ttl, 1);
    assert.deepEqual(record.settings, {});
    assert.deepEqual(record.meta, {});
    assert.deepEqual(record.tags, []);
    assert.equal(record.comment, 'provisiond:svc-1');
    // Removed from the real API in January 2025: clients must not find them here either.
    assert.equal('zone_id' in record, false);
    assert.equal('zone_name' in record, false);
  });

  test('a record reads back by id, changes with PATCH and PUT, and DELETE answers its id', async () => {
    const created = await createRecord(cf.base, { type: 'CNAME', name: 'www', content: 'Example.net.', ttl: 300, comment: 'svc-2', tags: ['owner:provisiond'] });
    assert.equal(created.content, 'example.net');
    assert.deepEqual(created.settings, { flatten_cname: false });
    const path = `${recordsPath()}/${String(created.id)}`;

    const read = await call(cf.base, path);
    assert.equal(read.status, 200);
    assertRecordAnswer(read.body);
    assert.deepEqual(read.body.result, created);

    const patched = await call(cf.base, path, { method: 'PATCH', body: { content: 'example.org', proxied: true } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assertRecordAnswer(patched.body);
    const afterPatch = patched.body.result as Rec;
    assert.equal(afterPatch.content, 'example.org');
    assert.equal(afterPatch.proxied, true);
    assert.equal(afterPatch.ttl, 1, 'proxied records always have the automatic TTL');
    assert.equal(afterPatch.comment, 'svc-2', 'PATCH keeps what it does not name');
    assert.equal(afterPatch.created_on, created.created_on);

    const put = await call(cf.base, path, { method: 'PUT', body: { type: 'CNAME', name: 'www.example.com', content: 'example.net' } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assertRecordAnswer(put.body);
    const afterPut = put.body.result as Rec;
    assert.equal(afterPut.proxied, false, 'PUT replaces the whole record');
    assert.equal(afterPut.comment, null);
    assert.deepEqual(afterPut.tags, []);
    assert.equal(afterPut.id, created.id);

    const deleted = await call(cf.base, path, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assertShape(deleted.body, SHAPES.deleted);
    assertShape(deleted.body, SHAPES.singleId);
    assert.deepEqual(deleted.body, { result: { id: created.id }, success: true, errors: [], messages: [] });

    const gone = await call(cf.base, path);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { result: null, success: false, errors: [{ code: 81044, message: 'Record does not exist.' }], messages: [] });
    assertShape(gone.body, SHAPES.failure);
  });

  test('DELETE accepts an empty body sent with a JSON content type', async () => {
    const created = await createRecord(cf.base, { type: 'TXT', name: '_verify', content: '"token"', ttl: 60 });
    const answer = await call(cf.base, `${recordsPath()}/${String(created.id)}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    assert.equal(answer.status, 200);
  });

  test('names become FQDNs inside the zone: relative, "@", upper case, trailing dot, other suffixes', async () => {
    const names = [
      ['www', 'www.example.com'],
      ['@', 'example.com'],
      ['API.Example.COM.', 'api.example.com'],
      // A name outside the zone is relative to it, as the real API treats it (NewFuture/DDNS#21).
      ['mail.other.net', 'mail.other.net.example.com'],
      ['_acme-challenge.shop', '_acme-challenge.shop.example.com'],
      ['bücher', 'xn--bcher-kva.example.com'],
    ] as const;
    for (const [name, fqdn] of names) {
      const record = await createRecord(cf.base, { type: 'TXT', name, content: `v-${name}`, ttl: 1 });
      assert.equal(record.name, fqdn);
    }
  });

  test('timestamps come from the injected clock, and the shape check catches a malformed record', async () => {
    const clocked = await startCloudflare({ now: () => Date.UTC(2030, 0, 2, 3, 4, 5, 678) });
    try {
      const record = await createRecord(clocked.base, { type: 'A', name: 'clock', content: '203.0.113.9', ttl: 1 });
      assert.equal(record.created_on, '2030-01-02T03:04:05.678Z');
      assert.equal(record.modified_on, '2030-01-02T03:04:05.678Z');
      const body = { result: record, success: true, errors: [], messages: [] };
      assertRecordAnswer(body);
      for (const broken of [{ ...record, id: 5 }, { ...record, content: 'not-an-ip' }, { ...record, proxiable: undefined }, { ...record, ttl: 7 }]) {
        assert.throws(() => assertShape({ ...body, result: broken }, SHAPES.recordSingle));
      }
      assert.throws(() => assertShape({ ...body, success: 'yes' }, SHAPES.recordSingle));
    } finally {
      await clocked.close();
    }
  });

  test('an address outside public space is not proxiable, and TXT never is', async () => {
    const privateA = await createRecord(cf.base, { type: 'A', name: 'lan', content: '10.0.0.5', ttl: 1 });
    assert.equal(privateA.proxiable, false);
    const loopback = await createRecord(cf.base, { type: 'AAAA', name: 'lan', content: '::1', ttl: 1 });
    assert.equal(loopback.proxiable, false);
    const txt = await createRecord(cf.base, { type: 'TXT', name: 'lan', content: 'x', ttl: 1 });
    assert.equal(txt.proxiable, false);
  });
});

describe('DNS record list', () => {
  test('filters by name, name.exact, type, content and proxied, all case-insensitive', async () => {
    await createRecord(cf.base, { type: 'A', name: 'shop', content: '203.0.113.10', ttl: 1, proxied: true });
    await createRecord(cf.base, { type: 'AAAA', name: 'shop', content: '2001:db8::10', ttl: 1 });
    await createRecord(cf.base, { type: 'TXT', name: 'shop', content: 'hello', ttl: 1 });
    await createRecord(cf.base, { type: 'A', name: 'blog', content: '203.0.113.11', ttl: 1 });

    assert.equal((await list('?name=SHOP.example.com')).result.length, 3);
    assert.equal((await list('?name.exact=shop.example.com&type=A')).result.length, 1);
    assert.equal((await list('?name.startswith=sh')).result.length, 3);
    assert.equal((await list('?name.endswith=.example.com&type=A')).result.length, 2);
    assert.equal((await list('?name.contains=LOG')).result.length, 1);
    assert.equal((await list('?content=203.0.113.11')).result[0]?.name, 'blog.example.com');
    assert.equal((await list('?content.startswith=2001:DB8')).result.length, 1);
    assert.equal((await list('?proxied=true')).result.length, 1);
    assert.equal((await list('?type=CNAME')).result.length, 0);
    assert.equal((await list('?search=hello')).result.length, 1);
  });

  test('a comment filter finds the record tagged with a service id', async () => {
    await createRecord(cf.base, { type: 'A', name: 'a', content: '203.0.113.1', ttl: 1, comment: 'provisiond service svc-1234' });
    await createRecord(cf.base, { type: 'A', name: 'b', content: '203.0.113.2', ttl: 1, comment: 'provisiond service svc-999' });
    await createRecord(cf.base, { type: 'A', name: 'c', content: '203.0.113.3', ttl: 1 });

    assert.deepEqual((await list('?comment.contains=svc-1234')).result.map((r) => r.name), ['a.example.com']);
    assert.equal((await list('?comment.exact=PROVISIOND%20SERVICE%20SVC-1234')).result.length, 1);
    assert.equal((await list('?comment=provisiond%20service%20svc-999')).result[0]?.name, 'b.example.com');
    assert.equal((await list('?comment.startswith=provisiond')).result.length, 2);
    assert.equal((await list('?comment.endswith=-999')).result.length, 1);
    assert.equal((await list('?comment.present')).result.length, 2);
    assert.deepEqual((await list('?comment.absent')).result.map((r) => r.name), ['c.example.com']);
  });

  test('match=any ORs the filters, and tag filters combine through tag_match', async () => {
    await createRecord(cf.base, { type: 'A', name: 'a', content: '203.0.113.1', ttl: 1, tags: ['team:dns', 'env:prod'] });
    await createRecord(cf.base, { type: 'A', name: 'b', content: '203.0.113.2', ttl: 1, tags: ['team:web'] });
    await createRecord(cf.base, { type: 'TXT', name: 'c', content: 'x', ttl: 1 });

    assert.equal((await list('?type=TXT&name=a.example.com')).result.length, 0);
    assert.equal((await list('?type=TXT&name=a.example.com&match=any')).result.length, 2);
    assert.deepEqual((await list('?tag=team:dns')).result.map((r) => r.name), ['a.example.com']);
    assert.equal((await list('?tag=team')).result.length, 2);
    assert.equal((await list('?tag.absent=team')).result.length, 1);
    assert.equal((await list('?tag.exact=team:web&tag.present=env')).result.length, 0);
    assert.equal((await list('?tag.exact=team:web&tag.present=env&tag_match=any')).result.length, 2);
  });

  test('pagination walks every page with result_info, and a page past the end is empty', async () => {
    for (let i = 1; i <= 5; i++) await createRecord(cf.base, { type: 'A', name: `host${i}`, content: `203.0.113.${i}`, ttl: 1 });
    const seen: unknown[] = [];
    for (const [page, expected] of [[1, 2], [2, 2], [3, 1]] as const) {
      const { result, info } = await list(`?per_page=2&page=${page}&order=name`);
      assert.equal(result.length, expected);
      assert.deepEqual(info, { page, per_page: 2, count: expected, total_count: 5, total_pages: 3 });
      seen.push(...result.map((r) => r.name));
    }
    assert.deepEqual(seen, ['host1', 'host2', 'host3', 'host4', 'host5'].map((h) => `${h}.example.com`));
    const past = await list('?per_page=2&page=4');
    assert.deepEqual(past.result, []);
    assert.deepEqual(past.info, { page: 4, per_page: 2, count: 0, total_count: 5, total_pages: 3 });
    assert.equal((await list('')).info.per_page, 100, 'the default page size is 100');
  });

  test('order and direction sort the list; the default order is by type', async () => {
    await createRecord(cf.base, { type: 'TXT', name: 'a', content: 'x', ttl: 120 });
    await createRecord(cf.base, { type: 'A', name: 'c', content: '203.0.113.1', ttl: 60 });
    await createRecord(cf.base, { type: 'CNAME', name: 'b', content: 'example.net', ttl: 300 });
    const names = async (query: string): Promise<unknown[]> => (await list(query)).result.map((r) => String(r.name).charAt(0));
    assert.deepEqual(await names(''), ['c', 'b', 'a']);
    assert.deepEqual(await names('?order=name'), ['a', 'b', 'c']);
    assert.deepEqual(await names('?order=name&direction=desc'), ['c', 'b', 'a']);
    assert.deepEqual(await names('?order=ttl'), ['c', 'a', 'b']);
  });

  test('out-of-spec query values are refused and unknown parameters ignored', async () => {
    for (const query of ['?type=BOGUS', '?per_page=abc', '?page=0', '?match=some', '?order=id', '?direction=up', '?proxied=yes', '?type=A&type=AAAA']) {
      const answer = await call(cf.base, `${recordsPath()}${query}`);
      assert.equal(answer.status, 400, query);
      assertShape(answer.body, SHAPES.failure);
      assert.equal((answer.body.errors as { code: number }[])[0]?.code, 1004, query);
    }
    assert.equal((await list('?include_shadow_metadata=true&zone_name=x')).result.length, 0);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { schema } from '../../src/sandbox/ispconfig/ispconfig-schema.js';
import { ZONE_PARAMS, aParams, startIspconfig, txtParams } from './ispconfig-client.js';

type Started = Awaited<ReturnType<typeof startIspconfig>>;
const br = '<br />\r\n';

/** The response is a mysqli row of `table`: every vendored column, every value a string or null. */
function assertRow(row: unknown, table: 'dns_soa' | 'dns_rr'): Record<string, string | null> {
  assert.equal(typeof row, 'object');
  assert.notEqual(row, null);
  const record = row as Record<string, unknown>;
  assert.deepEqual(Object.keys(record), [...schema.tables[table].columns]);
  for (const [key, value] of Object.entries(record)) assert.ok(value === null || typeof value === 'string', `${table}.${key} is ${typeof value}`);
  return record as Record<string, string | null>;
}

describe('ISPConfig DNS zones', () => {
  let api: Started;
  let session: string;
  before(async () => {
    api = await startIspconfig({ now: () => Date.UTC(2026, 7, 20, 9, 30, 15) });
    session = await api.login();
  });
  after(() => api.close());

  const addZone = (params: Record<string, unknown>, clientId = 0) => api.call('dns_zone_add', { session_id: session, client_id: clientId, params });

  it('adds a zone and answers its new id as a number', async () => {
    const result = await addZone(ZONE_PARAMS);
    assert.deepEqual(result.json, { code: 'ok', message: '', response: 1 });
  });

  it('reads a zone back as a row of strings with every dns_soa column', async () => {
    const row = assertRow(await api.ok('dns_zone_get', { session_id: session, primary_id: 1 }), 'dns_soa');
    assert.equal(row.id, '1');
    assert.equal(row.origin, 'example.com.');
    assert.equal(row.mbox, 'hostmaster.example.com.');
    assert.equal(row.ttl, '3600');
    assert.equal(row.active, 'Y');
    assert.equal(row.sys_userid, '1');
  });

  it('answers null for a missing id, all zones for -1 and a fault for 0', async () => {
    assert.equal(await api.ok('dns_zone_get', { session_id: session, primary_id: 999 }), null);
    const all = (await api.ok('dns_zone_get', { session_id: session, primary_id: -1 })) as unknown[];
    assert.ok(all.length >= 1);
    for (const row of all) assertRow(row, 'dns_soa');
    assert.equal((await api.call('dns_zone_get', { session_id: session, primary_id: 0 })).json?.message, 'The ID has to be > 0 or -1.');
  });

  it('filters zones by exact column values when given an object', async () => {
    const found = (await api.ok('dns_zone_get', { session_id: session, primary_id: { origin: 'example.com.' } })) as { id: string }[];
    assert.deepEqual(found.map((z) => z.id), ['1']);
    assert.deepEqual(await api.ok('dns_zone_get', { session_id: session, primary_id: { origin: 'example.com' } }), []);
  });

  it('refuses a second zone with the same origin, in any case', async () => {
    for (const origin of ['example.com.', 'EXAMPLE.com.']) {
      const result = await addZone({ ...ZONE_PARAMS, origin });
      assert.deepEqual(result.json, { code: 'remote_fault', message: `origin_error_unique${br}`, response: false });
    }
  });

  it('validates every form field and reports all failures in form order', async () => {
    const result = await addZone({});
    assert.equal(
      result.json?.message,
      ['server_id_error_empty', 'origin_error_empty', 'origin_error_regex', 'ns_error_regex', 'mbox_error_empty', 'mbox_error_regex', 'refresh_range_error', 'retry_range_error', 'expire_range_error', 'minimum_range_error', 'ttl_range_error'].map((k) => k + br).join(''),
    );
  });

  it('requires the trailing dot on mbox and a valid origin', async () => {
    assert.equal((await addZone({ ...ZONE_PARAMS, origin: 'mbox.test.', mbox: 'hostmaster.mbox.test' })).json?.message, `mbox_error_regex${br}`);
    assert.equal((await addZone({ ...ZONE_PARAMS, origin: 'bad_origin' })).json?.message, `origin_error_regex${br}`);
    assert.equal((await addZone({ ...ZONE_PARAMS, origin: 'ttl.test.', ttl: 59 })).json?.message, `ttl_range_error${br}`);
  });

  it('stores an omitted active flag as inactive and ignores unknown keys', async () => {
    const { active: _active, ...withoutActive } = ZONE_PARAMS;
    const id = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...withoutActive, origin: 'inactive.test.', colour: 'blue' } })) as number;
    const zone = api.sim.zones().find((z) => z.id === id);
    assert.equal(zone?.active, 'N');
  });

  it('lower-cases the origin it stores', async () => {
    const id = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...ZONE_PARAMS, origin: 'MiXeD.test.' } })) as number;
    assert.equal(api.sim.zones().find((z) => z.id === id)?.origin, 'mixed.test.');
  });

  it('finds a zone id by PREFIX, so a client must check the origin it gets back', async () => {
    const trap = await api.call('dns_zone_get_id', { session_id: session, origin: 'prefix.test' });
    assert.equal(trap.json?.message, 'There is no domain ID with informed domain name.');
    const longer = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...ZONE_PARAMS, origin: 'prefix.test.au.' } })) as number;
    // Only prefix.test.au. exists, yet the lookup for prefix.test succeeds with its id.
    assert.equal(await api.ok('dns_zone_get_id', { session_id: session, origin: 'prefix.test' }), longer);
    const exact = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...ZONE_PARAMS, origin: 'prefix.test.' } })) as number;
    // The older (lower) id still comes first.
    assert.equal(await api.ok('dns_zone_get_id', { session_id: session, origin: 'prefix.test' }), longer);
    const row = (await api.ok('dns_zone_get', { session_id: session, primary_id: exact })) as { origin: string };
    assert.equal(row.origin, 'prefix.test.');
  });

  it('refuses an origin with a trailing dot in dns_zone_get_id', async () => {
    const result = await api.call('dns_zone_get_id', { session_id: session, origin: 'example.com.' });
    assert.deepEqual(result.json, { code: 'remote_fault', message: 'Invalid domain name.', response: false });
  });

  it('gives a zone added with client_id > 0 to that client, listable by dns_zone_get_by_user', async () => {
    const id = (await api.ok('dns_zone_add', { session_id: session, client_id: 7, params: { ...ZONE_PARAMS, origin: 'client.test.' } })) as number;
    assert.deepEqual(await api.ok('dns_zone_get_by_user', { session_id: session, client_id: 7, server_id: 1 }), [{ id: String(id), origin: 'client.test.' }]);
    assert.equal(await api.ok('dns_zone_get_by_user', { session_id: session, client_id: 0, server_id: 1 }), false);
    assert.equal(await api.ok('dns_zone_get_by_user', { session_id: session, client_id: 7, server_id: 0 }), false);
  });

  it('updates a zone and answers the affected rows', async () => {
    const id = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...ZONE_PARAMS, origin: 'update.test.' } })) as number;
    assert.equal(await api.ok('dns_zone_update', { session_id: session, client_id: 0, primary_id: id, params: { ttl: 7200 } }), 1);
    assert.equal(await api.ok('dns_zone_update', { session_id: session, client_id: 0, primary_id: id, params: { ttl: 7200 } }), 0);
    assert.equal(api.sim.zones().find((z) => z.id === id)?.ttl, 7200);
    assert.equal((await api.call('dns_zone_update', { session_id: session, client_id: 0, primary_id: id, params: { ttl: 1 } })).json?.message, `ttl_range_error${br}`);
  });

  it('marks a change live at the next full minute, when the server cron applies it', () => {
    const zone = api.sim.zones().find((z) => z.id === 1);
    assert.equal(zone?.liveAt, Date.UTC(2026, 7, 20, 9, 31, 0));
  });

  it('answers an empty HTTP 500 when a field is not a scalar, as a PHP TypeError does', async () => {
    const result = await addZone({ ...ZONE_PARAMS, origin: { name: 'object.test.' } });
    assert.equal(result.status, 500);
    assert.equal(result.text, '');
  });

  it('answers a database error when params is not an object', async () => {
    const result = await api.call('dns_zone_add', { session_id: session, client_id: 0, params: 'example.org.' });
    assert.equal(result.json?.code, 'remote_fault');
    assert.match(result.json?.message ?? '', /^Column 'server_id' cannot be null INSERT INTO `dns_soa`/);
  });
});

describe('ISPConfig A and TXT records', () => {
  let api: Started;
  let session: string;
  let zone: number;
  before(async () => {
    api = await startIspconfig({ now: () => Date.UTC(2026, 7, 20, 9, 30, 15) });
    session = await api.login();
    zone = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: ZONE_PARAMS })) as number;
  });
  after(() => api.close());

  const add = (kind: 'a' | 'txt', params: Record<string, unknown>, updateSerial = true) =>
    api.call(`dns_${kind}_add`, { session_id: session, client_id: 0, update_serial: updateSerial, params });

  it('adds an A record and reads it back as a dns_rr row', async () => {
    const id = (await add('a', aParams(zone))).json?.response as number;
    assert.equal(typeof id, 'number');
    const row = assertRow(await api.ok('dns_a_get', { session_id: session, primary_id: id }), 'dns_rr');
    assert.equal(row.type, 'A');
    assert.equal(row.data, '203.0.113.10');
    assert.equal(row.zone, String(zone));
    assert.equal(row.aux, '0');
  });

  it('bumps the zone serial to YYYYMMDDnn when update_serial is true', async () => {
    // The zone started at 2026082001 on 2026-08-20; one add so far.
    assert.equal(api.sim.zones()[0]?.serial, 2026082002);
    await add('txt', txtParams(zone, 'serial.example.com.'));
    assert.equal(api.sim.zones()[0]?.serial, 2026082003);
    await add('txt', txtParams(zone, 'no-serial.example.com.'), false);
    assert.equal(api.sim.zones()[0]?.serial, 2026082003);
  });

  it('refuses an A record name with an underscore, a bad address and a TTL under 60', async () => {
    assert.equal((await add('a', aParams(zone, '_acme-challenge.example.com.'))).json?.message, `name_error_regex${br}`);
    assert.equal((await add('a', aParams(zone, 'www', '203.0.113.300'))).json?.message, `ip_error_wrong${br}`);
    assert.equal((await add('a', aParams(zone, 'www', ''))).json?.message, `data_error_empty${br}ip_error_wrong${br}`);
    assert.equal((await add('a', { ...aParams(zone, 'www'), ttl: '59' })).json?.message, `ttl_range_error${br}`);
  });

  it('refuses a duplicate A record', async () => {
    assert.equal((await add('a', aParams(zone))).json?.message, `data_error_duplicate${br}`);
  });

  it('accepts _acme-challenge TXT names and refuses empty TXT data', async () => {
    const id = (await add('txt', txtParams(zone))).json?.response as number;
    const row = assertRow(await api.ok('dns_txt_get', { session_id: session, primary_id: id }), 'dns_rr');
    assert.equal(row.name, '_acme-challenge.example.com.');
    assert.equal(row.type, 'TXT');
    assert.equal(row.ttl, '60');
    assert.equal((await add('txt', txtParams(zone, 'empty.example.com.', ''))).json?.message, `data_error_empty${br}`);
  });

  it('stores what is sent: no type means no type, no active means inactive', async () => {
    const { type: _type, active: _active, ...bare } = txtParams(zone, 'bare.example.com.');
    const id = (await add('txt', bare)).json?.response as number;
    const record = api.sim.records().find((r) => r.id === id);
    assert.equal(record?.type, '');
    assert.equal(record?.active, 'N');
  });

  it('accepts a record for a zone that does not exist when no serial bump is asked', async () => {
    const id = (await add('txt', txtParams(4242, 'lost.example.com.'), false)).json?.response as number;
    assert.equal(api.sim.records().find((r) => r.id === id)?.zone, 4242);
  });

  it('lists every record of a zone, as rows of strings', async () => {
    const rows = (await api.ok('dns_rr_get_all_by_zone', { session_id: session, zone_id: zone })) as unknown[];
    assert.ok(rows.length >= 3);
    for (const row of rows) assert.equal(assertRow(row, 'dns_rr').zone, String(zone));
  });

  it('deletes a record once: 1 affected row, then 0', async () => {
    const id = (await add('txt', txtParams(zone, 'delete-me.example.com.'))).json?.response as number;
    assert.equal(await api.ok('dns_txt_delete', { session_id: session, primary_id: id, update_serial: false }), 1);
    assert.equal(await api.ok('dns_txt_delete', { session_id: session, primary_id: id }), 0);
    assert.equal(await api.ok('dns_txt_get', { session_id: session, primary_id: id }), null);
  });

  it('dies in the panel HTML error page when deleting a missing record with update_serial', async () => {
    const result = await api.call('dns_txt_delete', { session_id: session, primary_id: 9999, update_serial: true });
    assert.equal(result.status, 200);
    assert.equal(result.json, undefined);
    assert.match(result.contentType ?? '', /text\/html/);
    assert.match(result.text, /Primary ID fehlt!/);
  });

  it('answers a database error for a delete without an id', async () => {
    const result = await api.call('dns_a_delete', { session_id: session });
    assert.equal(result.json?.code, 'remote_fault');
    assert.match(result.json?.message ?? '', /error in your SQL syntax.*DELETE FROM `dns_rr` WHERE id = {2}AND 1$/);
  });

  it('leaves the records behind as orphans when the zone is deleted', async () => {
    const other = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...ZONE_PARAMS, origin: 'orphan.test.' } })) as number;
    const record = (await add('txt', txtParams(other, '_verify.orphan.test.'))).json?.response as number;
    assert.equal(await api.ok('dns_zone_delete', { session_id: session, primary_id: other }), 1);
    assert.equal(api.sim.zones().some((z) => z.id === other), false);
    assert.equal(api.sim.records().find((r) => r.id === record)?.zone, other);
    const rows = (await api.ok('dns_rr_get_all_by_zone', { session_id: session, zone_id: other })) as { id: string }[];
    assert.deepEqual(rows.map((r) => r.id), [String(record)]);
    assert.equal(await api.ok('dns_zone_delete', { session_id: session, primary_id: other }), 0);
  });
});

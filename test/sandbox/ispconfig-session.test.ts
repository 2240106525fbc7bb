import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { schema } from '../../src/sandbox/ispconfig/ispconfig-schema.js';
import { ZONE_PARAMS, startIspconfig, txtParams } from './ispconfig-client.js';

type Started = Awaited<ReturnType<typeof startIspconfig>>;

describe('the ISPConfig json.php transport', () => {
  let api: Started;
  before(async () => {
    api = await startIspconfig();
  });
  after(() => api.close());

  it('logs in with the method in the query string and answers a 32-hex session id', async () => {
    const result = await api.call('login', { username: 'provisiond', password: 's3cret' });
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'application/json; charset="utf-8"');
    assert.equal(result.json?.code, 'ok');
    assert.equal(result.json?.message, '');
    assert.match(String(result.json?.response), /^[0-9a-f]{32}$/);
  });

  it('answers every envelope with exactly code, message and response', async () => {
    for (const result of [await api.call('login', { username: 'provisiond', password: 's3cret' }), await api.call('nope', {})]) {
      assert.deepEqual(Object.keys(result.json ?? {}), ['code', 'message', 'response']);
    }
  });

  it('refuses a wrong password with HTTP 200 and the real fault text', async () => {
    const result = await api.call('login', { username: 'provisiond', password: 'wrong' });
    assert.equal(result.status, 200);
    assert.deepEqual(result.json, { code: 'remote_fault', message: 'The login failed. Username or password wrong.', response: false });
  });

  it('refuses an empty or missing username and password before looking them up', async () => {
    assert.equal((await api.call('login', { password: 's3cret' })).json?.message, 'The login username is empty.');
    assert.equal((await api.call('login', { username: 'provisiond', password: '' })).json?.message, 'The login password is empty.');
    assert.equal((await api.call('login', { username: 'provisiond', password: null })).json?.message, 'The login password is empty.');
  });

  it('refuses a panel-client login because the sandbox has no panel clients', async () => {
    const result = await api.call('login', { username: 'provisiond', password: 's3cret', client_login: true });
    assert.equal(result.json?.message, 'The login failed. Username or password wrong.');
  });

  it('answers invalid_method without a method and for a method it does not know', async () => {
    const none = await api.rawCall('', '{}');
    assert.deepEqual(none.json, { code: 'invalid_method', message: 'Method not provided in json call', response: false });
    const unknown = await api.call('dns_x', {});
    assert.deepEqual(unknown.json, { code: 'invalid_method', message: 'Method dns_x does not exist', response: false });
    // A method name in the body is not how json.php dispatches.
    const inBody = await api.rawCall('', JSON.stringify({ method: 'login', username: 'provisiond', password: 's3cret' }));
    assert.equal(inBody.json?.code, 'invalid_method');
  });

  it('takes the first query-string key as the method', async () => {
    const result = await api.rawCall('?login&dns_zone_add', JSON.stringify({ username: 'provisiond', password: 's3cret' }));
    assert.equal(result.json?.code, 'ok');
    assert.equal((await api.rawCall('?login=1&x=2', JSON.stringify({ username: 'provisiond', password: 's3cret' }))).json?.code, 'ok');
  });

  it('answers invalid_data for a body that is not a JSON object, whatever the method', async () => {
    for (const body of ['', 'username=provisiond', '"login"', '42', '{"username":']) {
      const result = await api.rawCall('?login', body);
      assert.equal(result.status, 200);
      assert.deepEqual(result.json, { code: 'invalid_data', message: 'The JSON data sent to the api is invalid', response: false }, body);
    }
    assert.equal((await api.rawCall('?dns_x', 'not json')).json?.code, 'invalid_data');
  });

  it('reads the body whatever the Content-Type says', async () => {
    const body = JSON.stringify({ username: 'provisiond', password: 's3cret' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      assert.equal((await api.rawCall('?login', body, { headers: { 'content-type': type } })).json?.code, 'ok', type);
    }
  });

  it('ignores unknown body keys and treats a JSON null as an absent parameter', async () => {
    const result = await api.call('login', { username: 'provisiond', password: 's3cret', remember: true, session_id: 'x' });
    assert.equal(result.json?.code, 'ok');
    const session = await api.login();
    assert.equal((await api.call('dns_zone_get', { session_id: null, primary_id: 1 })).json?.message, 'The SessionID is empty.');
    assert.equal((await api.call('dns_zone_get', { session_id: session, primary_id: null })).json?.code, 'ok');
  });

  it('escapes slashes the way PHP json_encode does', async () => {
    const session = await api.login();
    const zone = (await api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...ZONE_PARAMS, origin: 'slash.test.' } })) as number;
    await api.ok('dns_txt_add', { session_id: session, client_id: 0, params: txtParams(zone, 'x.slash.test.', 'a/b') });
    const result = await api.call('dns_rr_get_all_by_zone', { session_id: session, zone_id: zone });
    assert.match(result.text, /"data":"a\\\/b"/);
  });

  it('answers other paths with an Apache 404 page', async () => {
    const res = await fetch(`${api.base}/remote/rest.php`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /404 Not Found/);
  });

  it('serves exactly the methods its vendored schema lists', async () => {
    for (const method of Object.keys(schema.methods)) {
      const result = await api.call(method, {});
      assert.notEqual(result.json?.code, 'invalid_method', method);
    }
    for (const unserved of ['dns_aaaa_add', 'sites_web_domain_add', 'get_function_list']) {
      assert.equal((await api.call(unserved, {})).json?.code, 'invalid_method', unserved);
    }
  });
});

describe('ISPConfig remote sessions', () => {
  it('last a fixed 30 minutes from login however often they are used', async () => {
    let clock = Date.UTC(2026, 7, 20, 12, 0, 0);
    const api = await startIspconfig({ now: () => clock });
    try {
      const session = await api.login();
      for (const minutes of [10, 20, 29]) {
        clock = Date.UTC(2026, 7, 20, 12, minutes, 59);
        assert.equal((await api.call('dns_zone_get', { session_id: session, primary_id: -1 })).json?.code, 'ok', `minute ${minutes}`);
      }
      clock = Date.UTC(2026, 7, 20, 12, 30, 0, 1);
      const expired = await api.call('dns_zone_get', { session_id: session, primary_id: -1 });
      assert.deepEqual(expired.json, { code: 'remote_fault', message: 'The Session is expired or does not exist.', response: false });
      // A new login is the only way back.
      const fresh = await api.login();
      assert.equal((await api.call('dns_zone_get', { session_id: fresh, primary_id: -1 })).json?.code, 'ok');
    } finally {
      await api.close();
    }
  });

  it('can all be expired at once from the simulator', async () => {
    const api = await startIspconfig();
    try {
      const session = await api.login();
      api.sim.expireSessions();
      assert.equal((await api.call('dns_zone_get_id', { session_id: session, origin: 'example.com' })).json?.message, 'The Session is expired or does not exist.');
    } finally {
      await api.close();
    }
  });

  it('refuse an empty session id and an unknown one with different faults', async () => {
    const api = await startIspconfig();
    try {
      assert.equal((await api.call('dns_zone_add', { client_id: 0, params: ZONE_PARAMS })).json?.message, 'The SessionID is empty.');
      assert.equal((await api.call('dns_zone_add', { session_id: 'f'.repeat(32), client_id: 0, params: ZONE_PARAMS })).json?.message, 'The Session is expired or does not exist.');
      assert.equal(api.sim.zones().length, 0);
    } finally {
      await api.close();
    }
  });

  it('end at logout, which answers true even for an unknown id but refuses an empty one', async () => {
    const api = await startIspconfig();
    try {
      const session = await api.login();
      assert.deepEqual((await api.call('logout', { session_id: session })).json, { code: 'ok', message: '', response: true });
      assert.equal((await api.call('dns_zone_get', { session_id: session, primary_id: 1 })).json?.message, 'The Session is expired or does not exist.');
      assert.equal((await api.call('logout', { session_id: session })).json?.response, true);
      assert.equal((await api.call('logout', {})).json?.message, 'The SessionID is empty.');
    } finally {
      await api.close();
    }
  });
});

describe('ISPConfig remote-user permissions', () => {
  let api: Started;
  before(async () => {
    api = await startIspconfig({
      users: [
        { username: 'admin', password: 'a' },
        { username: 'txt-only', password: 't', functions: ['dns_txt_add', 'dns_txt_delete'] },
        { username: 'txt-and-serial', password: 's', functions: ['dns_txt_add', 'dns_zone_get', 'dns_zone_update'] },
      ],
    });
  });
  after(() => api.close());

  it('deny a function missing from the user’s list', async () => {
    const session = await api.login('txt-only', 't');
    const result = await api.call('dns_zone_add', { session_id: session, client_id: 0, params: ZONE_PARAMS });
    assert.deepEqual(result.json, { code: 'remote_fault', message: 'You do not have the permissions to access this function.', response: false });
  });

  it('make update_serial need dns_zone_get and dns_zone_update, failing only after the record was added', async () => {
    const admin = await api.login('admin', 'a');
    const zone = (await api.ok('dns_zone_add', { session_id: admin, client_id: 0, params: { ...ZONE_PARAMS, origin: 'perm.test.' } })) as number;

    const narrow = await api.login('txt-only', 't');
    const denied = await api.call('dns_txt_add', { session_id: narrow, client_id: 0, update_serial: true, params: txtParams(zone, 'a.perm.test.') });
    assert.equal(denied.json?.message, 'You do not have the permissions to access this function.');
    // The insert ran before the serial bump: the record exists although the call "failed".
    assert.deepEqual(api.sim.records().filter((r) => r.zone === zone).map((r) => r.name), ['a.perm.test.']);

    const enough = await api.login('txt-and-serial', 's');
    assert.equal((await api.call('dns_txt_add', { session_id: enough, client_id: 0, update_serial: true, params: txtParams(zone, 'b.perm.test.') })).json?.code, 'ok');
    assert.equal((await api.call('dns_txt_add', { session_id: narrow, client_id: 0, params: txtParams(zone, 'c.perm.test.') })).json?.code, 'ok');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { ZONE_PARAMS, startIspconfig } from './ispconfig-client.js';

describe('ISPConfig fault injection', () => {
  it('answers a status-200 fault as a remote_fault carrying the fault message', async () => {
    const api = await startIspconfig();
    try {
      const session = await api.login();
      api.faults.inject({ op: 'ispconfig.dns_zone_add', kind: 'status', status: 200, message: 'database_error: Lost connection' });
      const result = await api.call('dns_zone_add', { session_id: session, client_id: 0, params: ZONE_PARAMS });
      assert.deepEqual(result.json, { code: 'remote_fault', message: 'database_error: Lost connection', response: false });
      assert.equal(api.sim.zones().length, 0);
      assert.equal((await api.call('dns_zone_add', { session_id: session, client_id: 0, params: ZONE_PARAMS })).json?.code, 'ok');
    } finally {
      await api.close();
    }
  });

  it('answers other status faults with a non-JSON Apache page, only for the named method', async () => {
    const api = await startIspconfig();
    try {
      api.faults.inject({ op: 'ispconfig.dns_txt_add', kind: 'status', status: 503 });
      const session = await api.login();
      const result = await api.call('dns_txt_add', { session_id: session, client_id: 0, params: {} });
      assert.equal(result.status, 503);
      assert.equal(result.json, undefined);
      assert.match(result.text, /<title>503 Service Unavailable<\/title>/);
    } finally {
      await api.close();
    }
  });

  it('drops the connection on a reset fault', async () => {
    const api = await startIspconfig();
    try {
      api.faults.inject({ op: 'ispconfig.login', kind: 'reset' });
      await assert.rejects(api.call('login', { username: 'provisiond', password: 's3cret' }), TypeError);
      assert.match(await api.login(), /^[0-9a-f]{32}$/);
    } finally {
      await api.close();
    }
  });

  it('never answers on a timeout fault, so the client’s own timeout fires', async () => {
    const api = await startIspconfig();
    try {
      const session = await api.login();
      api.faults.inject({ op: 'ispconfig.*', kind: 'timeout' });
      const call = api.call('dns_zone_get_id', { session_id: session, origin: 'example.com' }, { signal: AbortSignal.timeout(150) });
      await assert.rejects(call, (error: Error) => error.name === 'TimeoutError');
    } finally {
      await api.close();
    }
  });

  it('counts calls per method and the most in flight at once', async () => {
    const faults = new Faults();
    // ispconfig.api is 0.5 model seconds: 50 ms at this scale, long enough for the adds to overlap.
    const api = await startIspconfig({ faults, latency: new Latency(0.1) });
    try {
      const session = await api.login();
      await Promise.all(
        ['aa.test.', 'bb.test.', 'cc.test.'].map((origin) => api.ok('dns_zone_add', { session_id: session, client_id: 0, params: { ...ZONE_PARAMS, origin } })),
      );
      await api.call('no_such_method', {});
      const counts = faults.counts();
      assert.equal(counts['ispconfig.login']?.calls, 1);
      assert.equal(counts['ispconfig.dns_zone_add']?.calls, 3);
      assert.equal(counts['ispconfig.dns_zone_add']?.maxInFlight, 3);
      assert.equal(counts['ispconfig.dns_zone_add']?.inFlight, 0);
      assert.equal(counts['ispconfig.dispatch']?.calls, 1);
    } finally {
      await api.close();
    }
  });

  it('delays a call by an injected latency', async () => {
    const api = await startIspconfig();
    try {
      api.faults.inject({ op: 'ispconfig.login', kind: 'latency', latencyMs: 120 });
      const started = Date.now();
      await api.login();
      assert.ok(Date.now() - started >= 110);
    } finally {
      await api.close();
    }
  });
});

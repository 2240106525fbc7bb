/**
 * The probes and who may read /metrics: /livez and /readyz answer without a token, /readyz
 * says 503 (in the documented error shape, with reasons) before boot, when a check fails and
 * from the start of shutdown; /metrics needs the token unless made public.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Readiness } from '../../src/metrics/readiness.js';
import { createHarness, type Harness } from '../server/harness.js';
import { parseExposition, total } from './exposition.js';

function errorBody(body: string): { code: string; message: string; reasons: string[] } {
  return (JSON.parse(body) as { error: { code: string; message: string; reasons: string[] } }).error;
}

describe('the probes', () => {
  let databaseUp = true;
  const readiness = new Readiness({ database: () => (databaseUp ? undefined : 'the file is gone') });
  const harness: Harness = createHarness({ app: { readiness, metrics: createMetrics({ defaultMetrics: false }) } });
  after(() => harness.close());
  const probe = (url: string) => harness.app.inject({ method: 'GET', url });

  it('/livez answers without a token', async () => {
    const response = await probe('/livez');
    assert.equal(response.statusCode, 200);
    assert.equal((response.json() as { status: string }).status, 'live');
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  it('/readyz is 503 until the services are restored, then 200, without a token', async () => {
    const early = await probe('/readyz');
    assert.equal(early.statusCode, 503);
    assert.deepEqual(errorBody(early.body), { code: 'NOT_READY', message: 'not ready: services are not restored yet', reasons: ['services are not restored yet'] });
    readiness.markBooted();
    const ready = await probe('/readyz');
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  it('/readyz names a failing check', async () => {
    databaseUp = false;
    try {
      const response = await probe('/readyz');
      assert.equal(response.statusCode, 503);
      assert.deepEqual(errorBody(response.body).reasons, ['database: the file is gone']);
    } finally {
      databaseUp = true;
    }
    const thrown = new Readiness({ database: () => { throw new Error('The database connection is not open'); } });
    thrown.markBooted();
    assert.deepEqual(thrown.report(), { ready: false, shuttingDown: false, reasons: ['database: The database connection is not open'] });
  });

  it('/readyz is 503 SHUTTING_DOWN from the start of shutdown, while /livez still answers', async () => {
    readiness.markShuttingDown();
    const response = await probe('/readyz');
    assert.equal(response.statusCode, 503);
    const error = errorBody(response.body);
    assert.equal(error.code, 'SHUTTING_DOWN');
    assert.deepEqual(error.reasons, ['shutting down']);
    assert.equal((await probe('/livez')).statusCode, 200);
  });

  it('/metrics needs the token, and counts requests by route pattern', async () => {
    assert.equal((await probe('/metrics')).statusCode, 401);
    await harness.call({ method: 'GET', url: '/v1/services/nobody' });
    await harness.call({ method: 'GET', url: '/no/such/route' });
    const response = await harness.call({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    const samples = parseExposition(response.body);
    assert.equal(total(samples, 'provisiond_http_requests_total', { route: '/v1/services/:service_id', status: '404' }), 1, 'the pattern, never the id');
    assert.equal(total(samples, 'provisiond_http_requests_total', { route: '(unmatched)', status: '404' }), 1);
    assert.equal(total(samples, 'provisiond_http_requests_total', { route: '/metrics', status: '401' }), 1);
    assert.equal(total(samples, 'provisiond_http_requests_total', { route: '/readyz', status: '503' }), 3, 'before boot, failing check, shutting down');
  });
});

describe('/metrics made public, or absent', () => {
  it('answers without a token when metricsPublic is set; other routes still need it', async () => {
    const harness = createHarness({ app: { metrics: createMetrics({ defaultMetrics: false }), metricsPublic: true } });
    try {
      const response = await harness.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.match(response.body, /# TYPE provisiond_transitions_total counter/);
      assert.equal((await harness.app.inject({ method: 'GET', url: '/v1/services' })).statusCode, 401);
      assert.equal((await harness.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready when no readiness is given');
    } finally {
      await harness.close();
    }
  });

  it('is not served without metrics', async () => {
    const harness = createHarness();
    try {
      assert.equal((await harness.call({ method: 'GET', url: '/metrics' })).statusCode, 404);
    } finally {
      await harness.close();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Latency } from '../../src/sandbox/core/timing.js';
import { assertShape, call, recordsPath, SHAPES, startCloudflare } from './cloudflare-harness.js';

const aRecord = (i: number): Record<string, unknown> => ({ type: 'A', name: `h${i}`, content: `203.0.113.${i}`, ttl: 1 });

describe('fault injection', () => {
  test('a status fault answers in Cloudflare\'s error envelope, and a 429 carries Retry-After', async () => {
    const cf = await startCloudflare();
    try {
      cf.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'status', status: 503, message: 'Service Unavailable' });
      const failed = await call(cf.base, recordsPath(), { method: 'POST', body: aRecord(1) });
      assert.equal(failed.status, 503);
      assertShape(failed.body, SHAPES.failure);
      assert.deepEqual(failed.body, { result: null, success: false, errors: [{ code: 10000, message: 'Service Unavailable' }], messages: [] });

      cf.faults.inject({ op: 'cloudflare.*', kind: 'status', status: 429 });
      const limited = await call(cf.base, recordsPath());
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '1');
      assert.equal((limited.body.errors as { code: number }[])[0]?.code, 10100);

      const after = await call(cf.base, recordsPath(), { method: 'POST', body: aRecord(1) });
      assert.equal(after.status, 200, 'each rule fires once by default; the faulted create stored nothing');
    } finally {
      await cf.close();
    }
  });

  test('a reset fault drops the connection', async () => {
    const cf = await startCloudflare();
    try {
      cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'reset' });
      await assert.rejects(call(cf.base, recordsPath()), TypeError);
      assert.equal((await call(cf.base, recordsPath())).status, 200);
    } finally {
      await cf.close();
    }
  });

  test('a timeout fault never answers, so the client\'s own timeout fires', async () => {
    const cf = await startCloudflare();
    try {
      cf.faults.inject({ op: 'cloudflare.dns_records.delete', kind: 'timeout' });
      const started = Date.now();
      await assert.rejects(
        call(cf.base, `${recordsPath()}/${'a'.repeat(32)}`, { method: 'DELETE', signal: AbortSignal.timeout(200) }),
        (error: Error) => error.name === 'TimeoutError',
      );
      assert.ok(Date.now() - started >= 190);
    } finally {
      await cf.close();
    }
  });

  test('counters count calls per operation and the most in flight at once', async () => {
    // cloudflare.api is 1.5 model seconds: 75 ms at this scale, long enough to overlap.
    const cf = await startCloudflare({ latency: new Latency(0.05) });
    try {
      const started = Date.now();
      const answers = await Promise.all([1, 2, 3].map((i) => call(cf.base, recordsPath(), { method: 'POST', body: aRecord(i) })));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
      assert.ok(Date.now() - started >= 70, 'writes take the timing table\'s cloudflare.api');
      await call(cf.base, recordsPath());
      await call(cf.base, recordsPath());
      const counts = cf.faults.counts();
      assert.equal(counts['cloudflare.dns_records.create']?.calls, 3);
      assert.equal(counts['cloudflare.dns_records.create']?.maxInFlight, 3);
      assert.equal(counts['cloudflare.dns_records.create']?.inFlight, 0);
      assert.equal(counts['cloudflare.dns_records.list']?.calls, 2);
      assert.equal(counts['cloudflare.dns_records.list']?.maxInFlight, 1);
    } finally {
      await cf.close();
    }
  });

  test('two identical creates in flight at once store one record and answer one 81058', async () => {
    const cf = await startCloudflare({ latency: new Latency(0.02) });
    try {
      const answers = await Promise.all([0, 1].map(() => call(cf.base, recordsPath(), { method: 'POST', body: aRecord(9) })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400]);
      const refused = answers.find((a) => a.status === 400);
      assert.equal((refused?.body.errors as { code: number }[])[0]?.code, 81058);
      assert.equal(((await call(cf.base, recordsPath())).body.result as unknown[]).length, 1);
    } finally {
      await cf.close();
    }
  });
});

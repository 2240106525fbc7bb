import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, type ErrorCode } from '../../src/errors.js';
import { toWireError } from '../../src/server/error-handler.js';

test('each client-facing AppError code maps to its HTTP status', () => {
  const expected: ReadonlyArray<readonly [ErrorCode, number]> = [
    ['VALIDATION_FAILED', 400],
    ['UNAUTHORIZED', 401],
    ['NOT_FOUND', 404],
    ['STATE_CONFLICT', 409],
    ['DOMAIN_QUOTA_EXCEEDED', 409],
    ['DOMAIN_TAKEN', 409],
    ['PAYLOAD_TOO_LARGE', 413],
    ['UNKNOWN_PLAN', 422],
    ['RATE_LIMITED', 429],
    ['IP_POOL_EXHAUSTED', 503],
    ['VMID_RANGE_EXHAUSTED', 503],
    ['SUBDOMAIN_EXHAUSTED', 503],
    ['SHUTTING_DOWN', 503],
  ];
  for (const [code, status] of expected) {
    const wire = toWireError(new AppError(code, `${code} happened`));
    assert.equal(wire.status, status, code);
    assert.deepEqual(wire.body, { error: { code, message: `${code} happened` } });
  }
});

test('details and the field travel in the error body without overriding code or message', () => {
  const wire = toWireError(
    new AppError('STATE_CONFLICT', 'cannot retry', { field: 'service_id', details: { state: 'active', code: 'X', message: 'Y' } }),
  );
  assert.deepEqual(wire.body, { error: { code: 'STATE_CONFLICT', message: 'cannot retry', state: 'active', field: 'service_id' } });
  const quota = toWireError(new AppError('DOMAIN_QUOTA_EXCEEDED', 'quota reached', { details: { quota: 3 } }));
  assert.equal(quota.body.error.quota, 3);
});

test('unexpected errors become a generic 500 that echoes nothing', () => {
  for (const error of [new Error('password=hunter2'), 'a string', new AppError('CONFIG_INVALID', 'token=abc')]) {
    assert.deepEqual(toWireError(error), { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
  }
});

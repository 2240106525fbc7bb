import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, createTokenCheck, offeredProtocols, upgradeToken } from '../../src/server/auth.js';

test('the token check accepts exactly the configured token', () => {
  const check = createTokenCheck('s3cret-token');
  assert.equal(check('s3cret-token'), true);
  for (const wrong of [undefined, '', 's3cret-toke', 's3cret-token ', 'S3CRET-TOKEN', 's3cret-token-and-more']) assert.equal(check(wrong), false);
});

test('an empty API token is refused when the check is built', () => {
  assert.throws(() => createTokenCheck(''), /must not be empty/);
});

test('the bearer scheme is case-insensitive and other schemes yield no token', () => {
  assert.equal(bearerToken('Bearer abc'), 'abc');
  assert.equal(bearerToken('bearer abc'), 'abc');
  assert.equal(bearerToken('Basic YWJjOmRlZg=='), undefined);
  assert.equal(bearerToken('Bearer'), undefined);
  assert.equal(bearerToken('Bearer a b'), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

test('subprotocol lists are split and trimmed', () => {
  assert.deepEqual(offeredProtocols('provisiond.v1, bearer.abc'), ['provisiond.v1', 'bearer.abc']);
  assert.deepEqual(offeredProtocols(undefined), []);
});

function upgrade(headers: Record<string, string>, query = ''): string | undefined {
  return upgradeToken(headers, new URLSearchParams(query));
}

test('a WebSocket upgrade takes the token from the header, else the query, else a subprotocol', () => {
  assert.equal(upgrade({ authorization: 'Bearer from-header' }, 'token=from-query'), 'from-header');
  assert.equal(upgrade({ 'sec-websocket-protocol': 'bearer.from-protocol' }, 'token=from-query'), 'from-query');
  assert.equal(upgrade({ 'sec-websocket-protocol': 'provisiond.v1, bearer.from-protocol' }), 'from-protocol');
  assert.equal(upgrade({}), undefined);
});

test('a malformed Authorization header on an upgrade is not rescued by another token', () => {
  assert.equal(upgrade({ authorization: 'Basic abc' }, 'token=from-query'), undefined);
});

/**
 * The secret search must find what it claims to look for, or "secrets found in logs: 0" would
 * mean nothing: each encoded form, a secret embedded at any byte alignment inside a longer
 * base64 value, a PEM whole or line by line — and its report must never carry the secret.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { countLines, describeHits, findSecrets, needlesOf, pemSecrets, sessionTokenHits, type Secret } from './secret-search.js';

const TOKEN: Secret = { label: 'API token', value: 'tok+en/with=odd&chars "q" 0123456789' };

test('a secret is found as is, JSON-escaped, URL-encoded, form-encoded and hex, on the right line', () => {
  const value = TOKEN.value;
  const lines = [
    '{"msg":"clean line"}',
    `{"msg":"raw","x":"${value}"}`,
    `{"msg":"escaped","x":${JSON.stringify(value)}}`,
    `{"url":"/v1/events?token=${encodeURIComponent(value)}"}`,
    `{"body":"token=${new URLSearchParams({ v: value }).toString().slice(2)}"}`,
    `{"hex":"${Buffer.from(value).toString('hex')}"}`,
  ];
  const hits = findSecrets([{ name: 'daemon stdout', text: lines.join('\n') }], [TOKEN]);
  const found = new Set(hits.map((hit) => `${hit.line}:${hit.form}`));
  for (const expected of ['2:raw', '3:json', '4:url', '5:form-url', '6:hex']) assert.ok(found.has(expected), `${expected} in ${[...found].join(' ')}`);
  assert.ok(!hits.some((hit) => hit.line === 1));
});

test('a secret inside a longer base64 or base64url value is found whatever its byte offset', () => {
  for (const prefix of ['', 'u', 'us', 'user:', 'admin:x', '{"identity":"a@b.c","secret":"']) {
    const basic = Buffer.from(`${prefix}${TOKEN.value}"}`).toString('base64');
    const jwtLike = Buffer.from(`${prefix}${TOKEN.value}`).toString('base64url');
    for (const [what, text] of [['base64', `authorization: Basic ${basic}`], ['base64url', `claims ${jwtLike}.sig`]] as const) {
      const hits = findSecrets([{ name: 'feed', text }], [TOKEN]);
      assert.ok(hits.length > 0, `${what} with a ${prefix.length}-byte prefix was missed`);
    }
  }
});

test('a PEM key is found whole (escaped in a JSON line or printed raw) and by each line of its body', () => {
  const { privateKey } = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const secrets = pemSecrets('SSH private key', privateKey);
  assert.ok(secrets.length >= 2, 'the whole PEM and at least one body line');
  const escaped = findSecrets([{ name: 'log', text: `{"key":${JSON.stringify(privateKey)}}` }], secrets);
  assert.ok(escaped.some((hit) => hit.label === 'SSH private key' && hit.form === 'json'));
  const raw = findSecrets([{ name: 'stderr', text: `Error: bad key\n${privateKey}` }], secrets);
  assert.ok(raw.some((hit) => hit.label === 'SSH private key' && hit.form === 'raw' && hit.line === 2));
  const bodyLine = privateKey.split('\n')[1] ?? '';
  const one = findSecrets([{ name: 'log', text: `noise ${bodyLine} noise` }], secrets);
  assert.ok(one.some((hit) => hit.label === 'SSH private key, body line 1'));
});

test('clean text has no hit, lines are counted, and the report never holds a secret or an encoded form', () => {
  const sources = [
    { name: 'a', text: '{"msg":"hello"}\n{"msg":"token [redacted]"}' },
    { name: 'b', text: '' },
    { name: 'c', text: `Bearer ${TOKEN.value}` },
  ];
  const hits = findSecrets(sources, [TOKEN]);
  assert.deepEqual(hits.map((hit) => hit.source), ['c']);
  assert.equal(countLines(sources), 3);
  const report = describeHits(hits);
  assert.equal(report, 'c:1: API token (raw)');
  for (const needle of needlesOf(TOKEN)) assert.ok(!report.includes(needle.text));
});

test('forms too short to be told from chance are not searched', () => {
  assert.deepEqual(needlesOf({ label: 'tiny', value: 'abc' }), []);
});

test('a JWT anywhere (a session token an upstream issued) is reported by place only', () => {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const jwt = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss: 'api', attrs: { id: 1 }, scope: ['user'] })}.${'s'.repeat(43)}`;
  const hits = sessionTokenHits([{ name: 'feed', text: `{"type":"hello"}\n{"line":"Bearer ${jwt}"}` }]);
  assert.deepEqual(hits, ['feed:2: a JWT (a session token)']);
  assert.deepEqual(sessionTokenHits([{ name: 'feed', text: '{"value":"228d148edea92c16ff92c3bed5ea1a39"}' }]), []);
});

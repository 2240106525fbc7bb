import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Latency, TIMING_TABLE } from '../../src/sandbox/core/timing.js';
import { hostBody, shapeProblems, startNpm } from './npm-harness.js';

const LE = (domain: string, meta: Record<string, unknown> = { dns_challenge: false }) => ({
  provider: 'letsencrypt',
  domain_names: [domain],
  meta,
});

test('a Let\'s Encrypt certificate is issued while the call blocks, for the configured time', async (t) => {
  const latency = new Latency(0.05);
  const npm = await startNpm({ latency });
  t.after(() => npm.close());
  await npm.login();
  const started = Date.now();
  const pending = npm.call('POST', '/api/nginx/certificates', { body: LE('shop.example.com') });
  await new Promise((resolve) => setTimeout(resolve, latency.ms('npm.certificate') / 2));
  // The row exists during issuance, with expires_on still the insert time.
  const during = await npm.call('GET', '/api/nginx/certificates');
  assert.equal(during.body.length, 1);
  assert.equal(during.body[0].expires_on, during.body[0].created_on);
  const created = await pending;
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= TIMING_TABLE['npm.certificate'] * 1000 * 0.05 - 5, `took ${elapsed} ms`);
  assert.equal(created.status, 201);
  assert.deepEqual(shapeProblems('certificate-object', created.body), []);
  const cert = created.body;
  assert.equal(cert.provider, 'letsencrypt');
  assert.equal(cert.nice_name, 'shop.example.com');
  assert.equal(cert.meta.dns_challenge, false);
  assert.equal(cert.meta.letsencrypt_certificate.cn, 'shop.example.com');
  const days = (Date.parse(cert.expires_on) - Date.parse(cert.created_on)) / 86_400_000;
  // 90 days from the end of issuance; created_on is the insert, a few (whole) seconds earlier.
  assert.ok(days > 89.9 && days < 90.01, `expires in ${days} days`);

  const fetched = await npm.call('GET', `/api/nginx/certificates/${cert.id}?expand=owner`);
  assert.deepEqual(shapeProblems('certificate-object', fetched.body), []);
  assert.deepEqual(fetched.body.meta, { dns_challenge: false });
  assert.equal(fetched.body.expires_on, cert.expires_on);
  assert.equal(fetched.body.owner.roles[0], 'admin');
});

test('letsencrypt_email and letsencrypt_agree (removed in v2.13) are rejected by the closed meta schema', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const answer = await npm.call('POST', '/api/nginx/certificates', {
    body: LE('shop.example.com', { letsencrypt_email: 'ops@example.com', letsencrypt_agree: true, dns_challenge: false }),
  });
  assert.equal(answer.status, 400);
  assert.deepEqual(answer.body.error, {
    code: 400,
    message: 'data/meta must NOT have additional properties, data/meta must NOT have additional properties',
  });
  assert.ok(Array.isArray(answer.body.debug.stack), 'errors on certificate paths carry debug');
  assert.deepEqual((await npm.call('GET', '/api/nginx/certificates')).body, []);
});

test('other bad certificate bodies: missing provider, unknown provider, a letsencrypt without names', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  assert.equal((await npm.call('POST', '/api/nginx/certificates', { body: { domain_names: ['a.example.com'] } })).body.error.message,
    "data must have required property 'provider'");
  assert.equal((await npm.call('POST', '/api/nginx/certificates', { body: { provider: 'zerossl' } })).body.error.message,
    'data/provider must match pattern "^(letsencrypt|other)$"');
  const noNames = await npm.call('POST', '/api/nginx/certificates', { body: { provider: 'letsencrypt' } });
  assert.equal(noNames.status, 500);
  assert.deepEqual(noNames.body.error, { message: 'Internal Error' });
});

test('a failed certbot run answers 500 "Internal Error" with certbot\'s output in debug, and the row is gone', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'status', status: 500, message: 'too many certificates (5) already issued' });
  const answer = await npm.call('POST', '/api/nginx/certificates', { body: LE('shop.example.com') });
  assert.equal(answer.status, 500);
  assert.deepEqual(answer.body.error, { code: 500, message: 'Internal Error' });
  assert.match(answer.body.debug.stack.join('\n'), /too many certificates/);
  assert.deepEqual((await npm.call('GET', '/api/nginx/certificates')).body, []);
  assert.equal(npm.faults.counts()['npm.certbot.certonly']?.calls, 1);
});

test('two concurrent issuances collide on certbot\'s lock; serialized ones both succeed (no uniqueness check)', async (t) => {
  const npm = await startNpm({ latency: new Latency(0.01) });
  t.after(() => npm.close());
  await npm.login();
  const [a, b] = await Promise.all([
    npm.call('POST', '/api/nginx/certificates', { body: LE('a.example.com') }),
    npm.call('POST', '/api/nginx/certificates', { body: LE('b.example.com') }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [201, 500]);
  assert.match(JSON.stringify([a.body, b.body]), /Another instance of Certbot is already running/);
  assert.equal((await npm.call('POST', '/api/nginx/certificates', { body: LE('a.example.com') })).status, 201);
  const list = await npm.call('GET', '/api/nginx/certificates?query=example');
  assert.equal(list.body.length, 2);
  for (const cert of list.body) assert.deepEqual(shapeProblems('certificate-object', cert), []);
});

test('renew extends a Let\'s Encrypt certificate; delete is soft and answers true', async (t) => {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  const npm = await startNpm({ now: () => now });
  t.after(() => npm.close());
  await npm.login();
  const { body: cert } = await npm.call('POST', '/api/nginx/certificates', { body: LE('shop.example.com') });
  now += 70 * 86_400_000;
  await npm.login(); // the old token expired long ago
  const renewed = await npm.call('POST', `/api/nginx/certificates/${cert.id}/renew`);
  assert.equal(renewed.status, 200);
  assert.deepEqual(shapeProblems('certificate-object', renewed.body), []);
  assert.equal(Date.parse(renewed.body.expires_on), Date.parse(cert.expires_on) + 70 * 86_400_000);
  const deleted = await npm.call('DELETE', `/api/nginx/certificates/${cert.id}`);
  assert.deepEqual({ status: deleted.status, body: deleted.body }, { status: 200, body: true });
  const gone = await npm.call('GET', `/api/nginx/certificates/${cert.id}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.message, `Not Found - ${cert.id}`);
  assert.equal((await npm.call('POST', `/api/nginx/certificates/${cert.id}/renew`)).status, 404);
  const custom = await npm.call('POST', '/api/nginx/certificates', { body: { provider: 'other', nice_name: 'Mine' } });
  assert.equal(custom.status, 201);
  assert.deepEqual((await npm.call('POST', `/api/nginx/certificates/${custom.body.id}/renew`)).body.error, {
    code: 400,
    message: "Only Let'sEncrypt certificates can be renewed",
  });
});

test('the recommended order works: certificate first, then the host with its numeric id keeps the SSL flags', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const { body: cert } = await npm.call('POST', '/api/nginx/certificates', { body: LE('shop.example.com') });
  const { body: host } = await npm.call('POST', '/api/nginx/proxy-hosts', {
    body: hostBody('shop.example.com', 80, { certificate_id: cert.id, ssl_forced: true, http2_support: true, hsts_enabled: true }),
  });
  assert.deepEqual([host.certificate_id, host.ssl_forced, host.http2_support, host.hsts_enabled], [cert.id, true, true, true]);
  assert.equal(host.certificate.id, cert.id);
  assert.deepEqual(host.certificate.meta, {}, 'an expanded certificate has its meta blanked');
  const fetched = await npm.call('GET', `/api/nginx/proxy-hosts/${host.id}`);
  assert.equal(fetched.body.meta.nginx_online, true);
});

test('certificate_id "new" issues inline but silently drops the SSL flags', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const created = await npm.call('POST', '/api/nginx/proxy-hosts', {
    body: hostBody('shop.example.com', 80, { certificate_id: 'new', ssl_forced: true, http2_support: true }),
  });
  assert.equal(created.status, 201);
  assert.ok(created.body.certificate_id > 0);
  assert.deepEqual([created.body.ssl_forced, created.body.http2_support], [false, false]);
  assert.equal((await npm.call('GET', '/api/nginx/certificates')).body.length, 1);
});

test('certificate_id "new" with a failing certbot leaves a half host behind; the retry is "already in use"', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'status', status: 500 });
  const body = hostBody('shop.example.com', 80, { certificate_id: 'new', ssl_forced: true });
  const failed = await npm.call('POST', '/api/nginx/proxy-hosts', { body });
  assert.deepEqual({ status: failed.status, body: failed.body }, { status: 500, body: { error: { code: 500, message: 'Internal Error' } } });
  const [orphan] = npm.sim.hosts();
  assert.ok(orphan !== undefined);
  assert.deepEqual([orphan.certificate_id, orphan.ssl_forced, orphan.served], [0, false, false]);
  assert.equal('nginx_online' in orphan.meta, false);
  const retry = await npm.call('POST', '/api/nginx/proxy-hosts', { body });
  assert.equal(retry.body.error.message, 'shop.example.com is already in use');
  assert.deepEqual((await npm.call('GET', '/api/nginx/certificates')).body, []);
});

test('deleting a certificate a host still uses breaks nginx -t for every later change (NPM #133)', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const { body: cert } = await npm.call('POST', '/api/nginx/certificates', { body: LE('shop.example.com') });
  const { body: host } = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', 80, { certificate_id: cert.id }) });
  assert.equal((await npm.call('DELETE', `/api/nginx/certificates/${cert.id}`)).body, true);
  const next = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('other.example.com', 80) });
  assert.deepEqual({ status: next.status, body: next.body }, { status: 500, body: { error: { code: 500, message: 'Internal Error' } } });
  assert.equal(npm.sim.hosts().length, 2, 'the row was inserted before nginx failed');
  assert.equal(npm.sim.hosts().find((h) => h.id === host.id)?.served, true, 'nginx keeps serving what it loaded');
  // Deleting the host that references the dead certificate repairs nginx.
  assert.equal((await npm.call('DELETE', `/api/nginx/proxy-hosts/${host.id}`)).status, 200);
  assert.equal((await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('third.example.com', 80) })).status, 201);
});

test('certificate_id "new" on an update issues first and keeps the SSL flags sent with it', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const { body: host } = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', 80) });
  const updated = await npm.call('PUT', `/api/nginx/proxy-hosts/${host.id}`, { body: { certificate_id: 'new', ssl_forced: true } });
  assert.equal(updated.status, 200);
  assert.ok(updated.body.certificate_id > 0);
  assert.equal(updated.body.ssl_forced, true);
  assert.equal(updated.body.certificate.nice_name, 'shop.example.com');
  assert.equal(updated.body.meta.nginx_online, true);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostBody, shapeProblems, startNpm } from './npm-harness.js';

test('create answers 201 with the host, expanded, cleaned of SSL flags without a certificate, and without nginx_online yet', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const created = await npm.call('POST', '/api/nginx/proxy-hosts', {
    body: hostBody('Shop.example.com', 8080, {
      domain_names: ['www.shop.example.com', 'Shop.example.com'],
      ssl_forced: true,
      http2_support: true,
      hsts_enabled: true,
      hsts_subdomains: true,
      block_exploits: true,
      meta: { provisiond: 'service-42' },
    }),
  });
  assert.equal(created.status, 201);
  assert.deepEqual(shapeProblems('proxy-host-object', created.body), []);
  const host = created.body;
  assert.deepEqual(host.domain_names, ['Shop.example.com', 'www.shop.example.com']);
  assert.equal(host.certificate_id, 0);
  assert.deepEqual([host.ssl_forced, host.http2_support, host.hsts_enabled, host.hsts_subdomains], [false, false, false, false]);
  assert.equal(host.block_exploits, true);
  assert.equal(host.enabled, true);
  assert.deepEqual(host.meta, { provisiond: 'service-42' });
  assert.equal(host.certificate, null);
  assert.equal(host.access_list, null);
  assert.equal(host.owner.email, 'provisiond@example.com');

  const fetched = await npm.call('GET', `/api/nginx/proxy-hosts/${host.id}`);
  assert.equal(fetched.status, 200);
  assert.deepEqual(shapeProblems('proxy-host-object', fetched.body), []);
  assert.deepEqual(fetched.body.meta, { provisiond: 'service-42', nginx_online: true, nginx_err: null });
  assert.equal('owner' in fetched.body, false);
});

test('numbers and booleans sent as strings are coerced, as NPM\'s Ajv does', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const created = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 0, { forward_port: '8080', block_exploits: 'true' }) });
  assert.equal(created.status, 201);
  assert.equal(created.body.forward_port, 8080);
  assert.equal(created.body.block_exploits, true);
});

test('bad bodies are rejected with Ajv\'s text: unknown, missing, mistyped and out-of-range fields', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
    [hostBody('a.example.com', 80, { ssl_certificate: 3 }), 'data must NOT have additional properties'],
    [{ domain_names: ['a.example.com'], forward_host: '127.0.0.1', forward_port: 80 }, "data must have required property 'forward_scheme'"],
    [hostBody('a.example.com', 70000), 'data/forward_port must be <= 65535'],
    [hostBody('a.example.com', 80, { forward_scheme: 'ftp' }), 'data/forward_scheme must be equal to one of the allowed values'],
    [hostBody('a.example.com', 80, { enabled: 'yes' }), 'data/enabled must be boolean'],
    [hostBody('a b.example.com', 80), 'data/domain_names/0 must match pattern "^[^&| @!#%^();:/\\\\}{=+?<>,~`\'"]+$"'],
    [hostBody('a.example.com', 80, { domain_names: [] }), 'data/domain_names must NOT have fewer than 1 items'],
    [hostBody('a.example.com', 80, { domain_names: ['a.example.com', 'a.example.com'] }), 'data/domain_names must NOT have duplicate items (items ## 1 and 0 are identical)'],
    [
      hostBody('a.example.com', 80, { certificate_id: 'old' }),
      'data/certificate_id must be integer, data/certificate_id must match pattern "^new$", data/certificate_id must match a schema in anyOf',
    ],
    [hostBody('a.example.com', 80, { locations: [{ path: '/x', forward_scheme: 'http', forward_host: 'h', forward_port: 1, extra: 1 }] }), 'data/locations/0 must NOT have additional properties'],
  ];
  for (const [body, message] of cases) {
    const answer = await npm.call('POST', '/api/nginx/proxy-hosts', { body });
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.deepEqual(answer.body, { error: { code: 400, message } });
  }
  assert.deepEqual(npm.sim.hosts(), []);
});

test('a domain already used by another host is refused with "<name> is already in use", case-insensitively', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const first = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', 80) });
  const second = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('other.example.com', 80, { domain_names: ['other.example.com', 'SHOP.example.com'] }) });
  assert.deepEqual({ status: second.status, body: second.body }, {
    status: 400,
    body: { error: { code: 400, message: 'SHOP.example.com is already in use' } },
  });
  // An update may keep its own names; taking another host's is refused the same way.
  const other = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('other.example.com', 80) });
  assert.equal((await npm.call('PUT', `/api/nginx/proxy-hosts/${first.body.id}`, { body: { domain_names: ['shop.example.com'] } })).status, 200);
  const taken = await npm.call('PUT', `/api/nginx/proxy-hosts/${other.body.id}`, { body: { domain_names: ['shop.example.com'] } });
  assert.equal(taken.body.error.message, 'shop.example.com is already in use');
  // A deleted host frees its names.
  await npm.call('DELETE', `/api/nginx/proxy-hosts/${first.body.id}`);
  assert.equal((await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', 80) })).status, 201);
});

test('list is sorted by domain, accepts expand, and ?query= is a substring LIKE on the names', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  for (const domain of ['b.example.com', 'notexample.com', 'a.example.com']) {
    await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody(domain, 80) });
  }
  const all = await npm.call('GET', '/api/nginx/proxy-hosts?expand=owner,certificate,access_list');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.map((h: { domain_names: string[] }) => h.domain_names[0]), ['a.example.com', 'b.example.com', 'notexample.com']);
  for (const host of all.body) {
    assert.deepEqual(shapeProblems('proxy-host-object', host), []);
    assert.equal(host.owner.id, 1);
  }
  const found = await npm.call('GET', '/api/nginx/proxy-hosts?query=example.com');
  assert.equal(found.body.length, 3, 'a substring match also finds notexample.com: filter exactly on the client');
  assert.equal((await npm.call('GET', '/api/nginx/proxy-hosts?query=a.example')).body.length, 1);
  const empty = await npm.call('GET', '/api/nginx/proxy-hosts?query=');
  assert.deepEqual(empty.body, { error: { code: 400, message: 'Internal Error' } });
  const unknown = await npm.call('GET', '/api/nginx/proxy-hosts?expand=streams');
  assert.deepEqual({ status: unknown.status, body: unknown.body }, { status: 500, body: { error: { message: 'Internal Error' } } });
});

test('get, update, delete, enable and disable, with NPM\'s answers for missing and bad ids', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const { body: host } = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', 80) });

  const updated = await npm.call('PUT', `/api/nginx/proxy-hosts/${host.id}`, { body: { forward_port: 8081, advanced_config: '' } });
  assert.equal(updated.status, 200);
  assert.deepEqual(shapeProblems('proxy-host-object', updated.body), []);
  assert.equal(updated.body.forward_port, 8081);
  assert.equal(updated.body.meta.nginx_online, true);
  assert.deepEqual((await npm.call('PUT', `/api/nginx/proxy-hosts/${host.id}`, { body: {} })).body, {
    error: { code: 400, message: 'data must NOT have fewer than 1 properties' },
  });

  assert.deepEqual((await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/enable`)).body, {
    error: { code: 400, message: 'Host is already enabled' },
  });
  assert.equal((await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/disable`)).text.trim(), 'true');
  assert.equal((await npm.call('GET', `/api/nginx/proxy-hosts/${host.id}`)).body.enabled, false);
  assert.deepEqual((await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/disable`)).body, {
    error: { code: 400, message: 'Host is already disabled' },
  });
  assert.equal((await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/enable`)).body, true);

  const deleted = await npm.call('DELETE', `/api/nginx/proxy-hosts/${host.id}`);
  assert.deepEqual({ status: deleted.status, body: deleted.body }, { status: 200, body: true });
  for (const [method, path] of [
    ['GET', `/api/nginx/proxy-hosts/${host.id}`],
    ['PUT', `/api/nginx/proxy-hosts/${host.id}`],
    ['DELETE', `/api/nginx/proxy-hosts/${host.id}`],
    ['POST', `/api/nginx/proxy-hosts/${host.id}/enable`],
  ] as const) {
    const answer = await npm.call(method, path, method === 'PUT' ? { body: { forward_port: 1 } } : {});
    assert.deepEqual({ status: answer.status, body: answer.body }, { status: 404, body: { error: { code: 404, message: `Not Found - ${host.id}` } } }, path);
  }
  assert.deepEqual((await npm.call('GET', '/api/nginx/proxy-hosts/abc')).body, { error: { code: 400, message: 'Internal Error' } });
  assert.deepEqual((await npm.call('DELETE', '/api/nginx/proxy-hosts/abc')).body, { error: { code: 404, message: 'Not Found - NaN' } });
});

test('without a token, validation still answers first and a valid request ends in the catch-all 404', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  const invalid = await npm.call('POST', '/api/nginx/proxy-hosts', { body: { domain_names: ['a.example.com'] }, token: null });
  assert.equal(invalid.status, 400);
  const valid = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 80), token: null });
  assert.deepEqual(valid.body, { error: { code: 404, message: 'Not Found - /api/nginx/proxy-hosts' } });
  assert.deepEqual(npm.sim.hosts(), []);
});

test('a broken advanced_config still saves the host, with nginx_online false and nginx -t\'s output', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const created = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 80, { advanced_config: 'location /x { return 200;' }) });
  assert.equal(created.status, 201);
  const fetched = await npm.call('GET', `/api/nginx/proxy-hosts/${created.body.id}`);
  assert.equal(fetched.body.meta.nginx_online, false);
  assert.match(fetched.body.meta.nginx_err, /unexpected end of file/);
  assert.equal(npm.sim.hosts()[0]?.served, false);
});

test('a host pointing at a certificate that does not exist is saved but not served', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const created = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 80, { certificate_id: 99, ssl_forced: true }) });
  assert.equal(created.status, 201);
  assert.equal(created.body.ssl_forced, true);
  assert.equal(created.body.certificate, null);
  const fetched = await npm.call('GET', `/api/nginx/proxy-hosts/${created.body.id}`);
  assert.equal(fetched.body.meta.nginx_online, false);
  assert.match(fetched.body.meta.nginx_err, /cannot load certificate "\/etc\/letsencrypt\/live\/npm-99\/fullchain.pem"/);
});

test('a PUT with enabled:false changes the row but leaves nginx serving the host; only /disable stops it', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  const { body: host } = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 80) });
  const updated = await npm.call('PUT', `/api/nginx/proxy-hosts/${host.id}`, { body: { enabled: false } });
  assert.equal(updated.body.enabled, false);
  assert.equal(npm.sim.hosts()[0]?.served, true);
  assert.equal((await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/disable`)).body.error.message, 'Host is already disabled');
  await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/enable`);
  await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/disable`);
  assert.equal(npm.sim.hosts()[0]?.served, false);
});

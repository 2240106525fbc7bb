import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Latency } from '../../src/sandbox/core/timing.js';
import { hostBody, shapeProblems, startNpm } from './npm-harness.js';

test('a status fault answers NPM\'s error shape, once, and the next call succeeds', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  npm.faults.inject({ op: 'npm.proxy_hosts.create', kind: 'status', status: 500, message: 'Internal Error' });
  const faulted = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 80) });
  assert.deepEqual({ status: faulted.status, body: faulted.body }, { status: 500, body: { error: { code: 500, message: 'Internal Error' } } });
  assert.deepEqual(shapeProblems('error', faulted.body), []);
  assert.deepEqual(npm.sim.hosts(), [], 'a faulted call changes nothing');
  assert.equal((await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 80) })).status, 201);
});

test('a family fault (npm.tokens.*) hits the token refresh too', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  npm.faults.inject({ op: 'npm.tokens.*', kind: 'status', status: 400, message: 'Token has expired' });
  const answer = await npm.call('GET', '/api/tokens', { token: 'anything' });
  assert.deepEqual(answer.body, { error: { code: 400, message: 'Token has expired' } });
});

test('a reset fault drops the connection without an answer', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'reset' });
  await assert.rejects(npm.call('GET', '/api/nginx/proxy-hosts'), (error: Error) => {
    assert.match(String((error as { cause?: unknown }).cause ?? error), /other side closed|ECONNRESET|socket/i);
    return true;
  });
});

test('a timeout fault never answers: the client\'s own timeout fires', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  npm.faults.inject({ op: 'npm.certificates.create', kind: 'timeout' });
  await assert.rejects(
    npm.call('POST', '/api/nginx/certificates', { body: { provider: 'letsencrypt', domain_names: ['a.example.com'] }, timeoutMs: 200 }),
    { name: 'TimeoutError' },
  );
});

test('a certbot that hangs keeps the certificate call open while the row is already listed', async (t) => {
  const npm = await startNpm();
  t.after(() => npm.close());
  await npm.login();
  npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'timeout' });
  await assert.rejects(
    npm.call('POST', '/api/nginx/certificates', { body: { provider: 'letsencrypt', domain_names: ['a.example.com'] }, timeoutMs: 200 }),
    { name: 'TimeoutError' },
  );
  const listed = await npm.call('GET', '/api/nginx/certificates');
  assert.equal(listed.body.length, 1, 'after a timeout, list before retrying');
});

test('counters count calls per operation and the most in flight at once', async (t) => {
  const npm = await startNpm({ latency: new Latency(0.05) });
  t.after(() => npm.close());
  await npm.login();
  await Promise.all(
    ['a', 'b', 'c'].map((name) => npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody(`${name}.example.com`, 80) })),
  );
  await npm.call('GET', '/api/nginx/proxy-hosts');
  const counts = npm.faults.counts();
  assert.deepEqual(counts['npm.proxy_hosts.create'], { calls: 3, inFlight: 0, maxInFlight: 3, faulted: 0 });
  assert.equal(counts['npm.proxy_hosts.list']?.calls, 1);
  assert.equal(counts['npm.tokens.create']?.calls, 1);
});

test('writes take the timing table\'s npm.api time; reads are immediate', async (t) => {
  const latency = new Latency(0.05);
  const npm = await startNpm({ latency });
  t.after(() => npm.close());
  await npm.login();
  let started = Date.now();
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('a.example.com', 80) });
  assert.ok(Date.now() - started >= latency.ms('npm.api') - 5);
  started = Date.now();
  await npm.call('GET', '/api/nginx/proxy-hosts');
  assert.ok(Date.now() - started < latency.ms('npm.api'));
});

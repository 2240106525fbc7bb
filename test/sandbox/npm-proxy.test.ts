import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { Latency } from '../../src/sandbox/core/timing.js';
import { hostBody, startNpm, startUpstream, viaProxy } from './npm-harness.js';

test('the proxy forwards a request for a host\'s name to its upstream and streams the answer back', async (t) => {
  const npm = await startNpm();
  const seen: Array<{ headers: Record<string, unknown>; url: string | undefined }> = [];
  const upstream = await startUpstream((req, res) => {
    seen.push({ headers: req.headers, url: req.url });
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('Server', 'Apache');
    res.end('<h1>WordPress</h1>');
  });
  t.after(async () => { await npm.close(); await upstream.close(); });
  await npm.login();
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', upstream.port) });

  const answer = await viaProxy(npm.proxyPort, 'Shop.Example.com:80', { path: '/?p=1' });
  assert.equal(answer.status, 200);
  assert.equal(answer.body, '<h1>WordPress</h1>');
  assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(answer.headers['server'], 'openresty');
  assert.equal(answer.headers['x-served-by'], 'shop.example.com');
  assert.equal(seen[0]?.url, '/?p=1');
  assert.equal(seen[0]?.headers['host'], 'shop.example.com');
  assert.equal(seen[0]?.headers['x-forwarded-proto'], 'http');
  assert.equal(seen[0]?.headers['x-real-ip'], '127.0.0.1');
  assert.equal(seen[0]?.headers['x-forwarded-for'], '127.0.0.1');
});

test('request bodies and methods go through unchanged, status codes come back unchanged', async (t) => {
  const npm = await startNpm();
  const upstream = await startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.statusCode = 201;
      res.end(`${req.method} ${Buffer.concat(chunks).length}`);
    });
  });
  t.after(async () => { await npm.close(); await upstream.close(); });
  await npm.login();
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', upstream.port) });
  const body = 'x'.repeat(1_000_000);
  const answer = await viaProxy(npm.proxyPort, 'shop.example.com', { method: 'PUT', path: '/upload', body, headers: { 'content-type': 'text/plain' } });
  assert.deepEqual([answer.status, answer.body], [201, 'PUT 1000000']);
});

test('an unknown name gets the default site: 404, or NPM\'s factory 200 "Congratulations" page', async (t) => {
  const npm = await startNpm();
  const factory = await startNpm({ defaultSite: 'congratulations' });
  t.after(async () => { await npm.close(); await factory.close(); });
  const answer = await viaProxy(npm.proxyPort, 'nobody.example.com');
  assert.equal(answer.status, 404);
  assert.match(answer.body, /<h1>404 Not Found<\/h1>/);
  assert.match(answer.body, /openresty/);
  const congratulations = await viaProxy(factory.proxyPort, 'nobody.example.com');
  assert.equal(congratulations.status, 200);
  assert.match(congratulations.body, /Congratulations/);
});

test('a disabled or deleted host is no longer answered; enabling it again is', async (t) => {
  const npm = await startNpm();
  const upstream = await startUpstream((_req, res) => res.end('site'));
  t.after(async () => { await npm.close(); await upstream.close(); });
  await npm.login();
  const { body: host } = await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', upstream.port) });
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).status, 200);
  await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/disable`);
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).status, 404);
  await npm.call('POST', `/api/nginx/proxy-hosts/${host.id}/enable`);
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).body, 'site');
  await npm.call('DELETE', `/api/nginx/proxy-hosts/${host.id}`);
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).status, 404);
  // A host created disabled is stored but never loaded.
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', upstream.port, { enabled: false }) });
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).status, 404);
});

test('an upstream that is down answers 502; an address beyond loopback is never contacted and answers 502', async (t) => {
  const npm = await startNpm();
  const upstream = await startUpstream((_req, res) => res.end('up'));
  t.after(() => npm.close());
  await npm.login();
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('down.example.com', upstream.port) });
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('far.example.com', 80, { forward_host: '203.0.113.99' }) });
  assert.equal((await viaProxy(npm.proxyPort, 'down.example.com')).body, 'up');
  await upstream.close();
  const down = await viaProxy(npm.proxyPort, 'down.example.com');
  assert.equal(down.status, 502);
  assert.match(down.body, /502 Bad Gateway/);
  assert.equal((await viaProxy(npm.proxyPort, 'far.example.com')).status, 502);
});

test('wildcard names and custom locations route like nginx', async (t) => {
  const npm = await startNpm();
  const main = await startUpstream((req, res) => res.end(`main ${req.url}`));
  const api = await startUpstream((req, res) => res.end(`api ${req.url}`));
  t.after(async () => { await npm.close(); await main.close(); await api.close(); });
  await npm.login();
  await npm.call('POST', '/api/nginx/proxy-hosts', {
    body: hostBody('*.example.com', main.port, {
      locations: [{ path: '/api', forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: api.port }],
    }),
  });
  assert.equal((await viaProxy(npm.proxyPort, 'a.b.example.com', { path: '/x' })).body, 'main /x');
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com', { path: '/api/v1' })).body, 'api /api/v1');
  assert.equal((await viaProxy(npm.proxyPort, 'example.com')).status, 404);
});

test('while a certificate is issued, hosts using its names are taken out, then come back', async (t) => {
  const latency = new Latency(0.05);
  const npm = await startNpm({ latency });
  const upstream = await startUpstream((_req, res) => res.end('site'));
  t.after(async () => { await npm.close(); await upstream.close(); });
  await npm.login();
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', upstream.port) });
  const issuing = npm.call('POST', '/api/nginx/certificates', { body: { provider: 'letsencrypt', domain_names: ['shop.example.com'] } });
  await new Promise((resolve) => setTimeout(resolve, latency.ms('npm.certificate') / 2));
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).status, 404);
  assert.equal((await issuing).status, 201);
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).body, 'site');
});

function upgradeThroughProxy(port: number, host: string): Promise<{ status: number; echo?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/ws', agent: false,
      headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    });
    req.on('upgrade', (res, socket: Duplex) => {
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, echo: data.toString() });
      });
      socket.write('ping');
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a WebSocket upgrade passes through only when the host allows it', async (t) => {
  const npm = await startNpm();
  const upstream = await startUpstream((_req, res) => res.end('plain page'));
  upstream.server.on('upgrade', (_req, socket: Duplex) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (data: Buffer) => socket.write(`echo ${data.toString()}`));
    socket.on('end', () => socket.end());
  });
  t.after(async () => { await npm.close(); await upstream.close(); });
  await npm.login();
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('ws.example.com', upstream.port, { allow_websocket_upgrade: true }) });
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('plain.example.com', upstream.port) });
  assert.deepEqual(await upgradeThroughProxy(npm.proxyPort, 'ws.example.com'), { status: 101, echo: 'echo ping' });
  assert.deepEqual(await upgradeThroughProxy(npm.proxyPort, 'plain.example.com'), { status: 200 });
  assert.deepEqual(await upgradeThroughProxy(npm.proxyPort, 'nobody.example.com'), { status: 404 });
});

test('faults on npm.proxy.forward: a status answers nginx\'s page, a reset drops the connection', async (t) => {
  const npm = await startNpm();
  const upstream = await startUpstream((_req, res) => res.end('site'));
  t.after(async () => { await npm.close(); await upstream.close(); });
  await npm.login();
  await npm.call('POST', '/api/nginx/proxy-hosts', { body: hostBody('shop.example.com', upstream.port) });
  npm.faults.inject({ op: 'npm.proxy.forward', kind: 'status', status: 503 });
  const unavailable = await viaProxy(npm.proxyPort, 'shop.example.com');
  assert.equal(unavailable.status, 503);
  assert.match(unavailable.body, /503 Service Unavailable/);
  npm.faults.inject({ op: 'npm.proxy.forward', kind: 'reset' });
  await assert.rejects(viaProxy(npm.proxyPort, 'shop.example.com'), /socket hang up|ECONNRESET/);
  npm.faults.inject({ op: 'npm.proxy.forward', kind: 'timeout' });
  await assert.rejects(viaProxy(npm.proxyPort, 'shop.example.com', { timeoutMs: 200 }), /client timeout/);
  assert.equal((await viaProxy(npm.proxyPort, 'shop.example.com')).body, 'site');
  assert.equal(npm.faults.counts()['npm.proxy.forward']?.calls, 4);
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createProxmoxClient } from '../../src/effects/proxmox/client.js';
import type { ProxmoxConfig } from '../../src/effects/proxmox/proxmox-config.js';
import { failure, signal } from './proxmox-harness.js';

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI (skipped without it). */
function selfSigned(dir: string): { cert: string; key: string; certFile: string } | undefined {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=pve-test',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8'), certFile: join(dir, 'cert.pem') };
}

describe('the Proxmox client over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-tls-'));
  const material = selfSigned(dir);
  let server: Server;
  let url = '';
  let fingerprint = '';

  before(async () => {
    if (material === undefined) return;
    fingerprint = new X509Certificate(material.cert).fingerprint256;
    server = createServer({ cert: material.cert, key: material.key }, (_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ data: { version: '9.2.11' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api2/json`;
  });
  after(async () => {
    if (material !== undefined) await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const version = async (trust: Partial<ProxmoxConfig>) => {
    const client = createProxmoxClient({
      url, tokenId: 'provisiond@pve!daemon', tokenSecret: 'x', nodes: ['node1'], template: 't', storage: 's', bridge: 'b', gateway: 'g', cidr: 24, ...trust,
    });
    try {
      return await client.request('GET', '/version', undefined, signal);
    } finally {
      await client.close();
    }
  };
  const skip = material === undefined ? 'openssl is not available' : false;

  it('trusts the server through the cluster CA file', { skip }, async () => {
    assert.deepEqual(await version({ caFile: material?.certFile ?? '' }), { version: '9.2.11' });
  });

  it('trusts a self-signed server through its pinned fingerprint', { skip }, async () => {
    assert.deepEqual(await version({ fingerprint }), { version: '9.2.11' });
    assert.deepEqual(await version({ fingerprint: fingerprint.replace(/:/g, '').toLowerCase() }), { version: '9.2.11' });
  });

  it('refuses a server whose fingerprint does not match the pin', { skip }, async () => {
    const error = await failure(version({ fingerprint: 'AB'.repeat(32) }));
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_AUTH_FAILED', false]);
    assert.match(error.message, /does not match the pinned one/);
  });

  it('refuses a server it has no reason to trust', { skip }, async () => {
    const error = await failure(version({}));
    assert.deepEqual([error.code, error.retryable], ['UPSTREAM_AUTH_FAILED', false]);
    assert.match(error.message, /TLS verification/);
  });
});

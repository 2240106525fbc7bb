/**
 * The whole sandbox, driven only through the real APIs' shapes: a container created on
 * Proxmox, WordPress installed over SSH with `pct exec`, a proxy host on Nginx Proxy Manager,
 * and the site answering through the proxy — the path provisiond will take.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { request } from 'undici';
import { createSandbox, sha256Fingerprint, type Sandbox } from '../../src/sandbox/sandbox.js';
import { waitFor } from '../support/stack.js';
import { generateEd25519KeyPair } from '../../src/sandbox/ssh/key-pair.js';

const INSTALLER = '#!/bin/bash\n# provisiond:wordpress-installer\nset -euo pipefail\necho installing\n';

async function pve(sandbox: Sandbox, method: string, path: string, params?: Record<string, string>): Promise<{ status: number; body: { data: unknown } }> {
  const { url, tokenId, tokenSecret } = sandbox.connection.proxmox;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `PVEAPIToken=${tokenId}=${tokenSecret}`, ...(params ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(params ? { body: new URLSearchParams(params).toString() } : {}),
  });
  return { status: response.status, body: (await response.json()) as { data: unknown } };
}

async function finishTask(sandbox: Sandbox, upid: string): Promise<string> {
  const node = upid.split(':')[1] ?? '';
  for (;;) {
    const { body } = await pve(sandbox, 'GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
    const task = body.data as { status: string; exitstatus?: string };
    if (task.status === 'stopped') return task.exitstatus ?? '';
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** GET through the proxy as a browser would for `host` (fetch cannot set Host: it is a forbidden header). */
async function viaProxy(sandbox: Sandbox, host: string, path: string): Promise<{ status: number; body: string }> {
  const response = await request(`${sandbox.connection.npm.proxyUrl}${path}`, { headers: { host } });
  return { status: response.statusCode, body: await response.body.text() };
}

/** Run one command over SSH, pinning the host key by its SHA-256 fingerprint. */
function exec(sandbox: Sandbox, command: string, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { host, port, user, privateKey, hostKeySha256 } = sandbox.connection.ssh;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client
      .on('ready', () => {
        client.exec(command, (error, channel) => {
          if (error) return reject(error);
          let stdout = '';
          let stderr = '';
          channel.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          channel.on('exit', (code: number) => {
            channel.on('close', () => {
              client.end();
              resolve({ code, stdout, stderr });
            });
          });
          channel.end(stdin);
        });
      })
      .on('error', reject)
      .connect({
        host,
        port,
        username: user,
        privateKey,
        hostVerifier: (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === hostKeySha256,
      });
  });
}

describe('the sandbox as a whole', () => {
  let sandbox: Sandbox;
  const vmid = 4242;
  const ip = '127.42.0.142';

  before(async () => {
    sandbox = await createSandbox({ timeScale: 0, sitePort: 20_000 + Math.floor(Math.random() * 20_000) });
  });
  after(() => sandbox.close());

  it('reports a loopback pool and a host key fingerprint that matches the host key', () => {
    assert.match(sandbox.connection.pools.privateIps.first, /^127\./);
    assert.match(sandbox.connection.ssh.hostKeySha256, /^SHA256:[A-Za-z0-9+/]{43}$/);
    const pair = generateEd25519KeyPair();
    assert.match(sha256Fingerprint(pair.public), /^SHA256:/);
  });

  it('provisions a site that answers through the proxy', async () => {
    const created = await pve(sandbox, 'POST', '/nodes/node1/lxc', {
      vmid: String(vmid),
      ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
      hostname: 'customer.sandbox.test',
      memory: '2048',
      cores: '1',
      rootfs: 'drbd:20',
      net0: `name=eth0,bridge=vmbr1,ip=${ip}/24,gw=127.42.0.1`,
      unprivileged: '1',
      tags: 'provisiond;svc-1',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(await finishTask(sandbox, created.body.data as string), 'OK');
    const started = await pve(sandbox, 'POST', `/nodes/node1/lxc/${vmid}/status/start`, {});
    assert.equal(await finishTask(sandbox, started.body.data as string), 'OK');

    assert.equal((await exec(sandbox, `pct exec ${vmid} -- echo ready`)).stdout, 'ready\n');
    const install = await exec(sandbox, `pct exec ${vmid} -- env SITE_URL=https://customer.sandbox.test bash -s`, INSTALLER);
    assert.equal(install.code, 0, install.stderr);
    assert.equal((await exec(sandbox, `pct exec ${vmid} -- test -f /var/www/html/wp-config.php`)).code, 0);

    const npm = sandbox.connection.npm;
    const token = (await (await fetch(`${npm.url}/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: npm.email, secret: npm.password }) })).json()) as { token: string };
    const host = await fetch(`${npm.url}/nginx/proxy-hosts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.token}` },
      body: JSON.stringify({ domain_names: ['customer.sandbox.test'], forward_scheme: 'http', forward_host: ip, forward_port: sandbox.connection.site.httpPort, allow_websocket_upgrade: true, block_exploits: true, caching_enabled: true, http2_support: true }),
    });
    assert.equal(host.status, 201, await host.clone().text());

    await waitFor(() => sandbox.world.containers.get(vmid)?.status === 'running');
    const page = await viaProxy(sandbox, 'customer.sandbox.test', '/wp-admin/install.php');
    assert.equal(page.status, 200);
    assert.match(page.body, /WordPress &rsaquo; Installation/);
    assert.equal((await viaProxy(sandbox, 'unknown.sandbox.test', '/')).status, 404, "an unknown host gets the proxy's default site");

    const counters = (await (await fetch(`${sandbox.connection.control.url}/counters`)).json()) as { counters: Record<string, { calls: number }> };
    assert.ok((counters.counters['ssh.exec']?.calls ?? 0) >= 3);
    const state = (await (await fetch(`${sandbox.connection.control.url}/state`)).json()) as { sshByNode: Record<string, { calls: number }> };
    assert.ok((state.sshByNode.node1?.calls ?? 0) >= 3, 'commands are counted per node');
  });

  it('stops serving the site when the container is stopped', async () => {
    const stopped = await pve(sandbox, 'POST', `/nodes/node1/lxc/${vmid}/status/stop`, {});
    assert.equal(await finishTask(sandbox, stopped.body.data as string), 'OK');
    assert.equal((await viaProxy(sandbox, 'customer.sandbox.test', '/wp-admin/install.php')).status, 502);
    const pct = await exec(sandbox, `pct exec ${vmid} -- echo ready`);
    assert.notEqual(pct.code, 0);
  });

  it('lets the control API fault any simulator', async () => {
    await fetch(`${sandbox.connection.control.url}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op: 'proxmox.*', kind: 'status', status: 500, message: "can't lock file '/run/lock/lxc/pve-config-4242.lock' - got timeout" }) });
    const faulted = await pve(sandbox, 'GET', `/nodes/node1/lxc/${vmid}/status/current`);
    assert.equal(faulted.status, 500);
    const again = await pve(sandbox, 'GET', `/nodes/node1/lxc/${vmid}/status/current`);
    assert.equal(again.status, 200);
  });
});

/**
 * Real mode, as an operator runs it: a configuration file naming the infrastructure, secrets in
 * the environment, the SSH key in a file. The "infrastructure" here is a sandbox on loopback,
 * reached only through that configuration — the daemon does not know it is one.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { exited, startScript } from '../support/child-process.js';

const API_TOKEN = 'real-mode-api-token-0123456789';

describe('real mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-real-'));
  const children: ChildProcess[] = [];
  let sandbox: Sandbox;
  let configPath: string;
  let secrets: Record<string, string>;

  before(async () => {
    sandbox = await createSandbox({ timeScale: 0.002, sitePort: 20_000 + Math.floor(Math.random() * 20_000) });
    const c = sandbox.connection;
    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, c.ssh.privateKey, { mode: 0o600 });
    configPath = join(dir, 'provisiond.json');
    const sshNode = { host: c.ssh.host, port: c.ssh.port, hostKeySha256: c.ssh.hostKeySha256 };
    writeFileSync(
      configPath,
      JSON.stringify({
        baseDomain: c.baseDomain,
        pools: { privateIps: { first: '127.44.0.100', last: '127.44.0.150' }, vmids: { first: 6000, last: 6099 } },
        infrastructure: {
          proxmox: { url: c.proxmox.url, tokenId: c.proxmox.tokenId, nodes: c.proxmox.nodes, template: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', storage: 'drbd', bridge: 'vmbr1', gateway: '127.44.0.1', cidr: 24 },
          cloudflare: { zoneId: c.cloudflare.zoneId, baseUrl: c.cloudflare.baseUrl },
          npm: { url: c.npm.url, email: c.npm.email, proxyUrl: c.npm.proxyUrl, sitePort: c.site.httpPort },
          ispconfig: { url: c.ispconfig.url, username: c.ispconfig.username, serverId: 1, clientId: 0, ns: ['ns1.sandbox.test'], mbox: 'hostmaster.sandbox.test.' },
          dns: { resolvers: [`${c.dns.host}:${c.dns.port}`] },
          ssh: { privateKeyFile: keyFile, nodes: Object.fromEntries(c.proxmox.nodes.map((node) => [node, sshNode])) },
        },
      }),
    );
    secrets = {
      PROVISIOND_PROXMOX_TOKEN_SECRET: c.proxmox.tokenSecret,
      PROVISIOND_CLOUDFLARE_API_TOKEN: c.cloudflare.apiToken,
      PROVISIOND_NPM_PASSWORD: c.npm.password,
      PROVISIOND_ISPCONFIG_PASSWORD: c.ispconfig.password,
    };
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start without a credential, naming it, and never falls back to a sandbox', async () => {
    const { PROVISIOND_PROXMOX_TOKEN_SECRET: _missing, ...partial } = secrets;
    const daemon = startScript('src/main.ts', [], { PORT: '0', PROVISIOND_DB: join(dir, 'refused.db'), PROVISIOND_CONFIG: configPath, PROVISIOND_API_TOKEN: API_TOKEN, PROVISIOND_SANDBOX: '', ...partial, PROVISIOND_PROXMOX_TOKEN_SECRET: '' });
    children.push(daemon.child);
    await exited(daemon.child);
    assert.equal(daemon.child.exitCode, 1);
    assert.match(daemon.stderr(), /PROVISIOND_PROXMOX_TOKEN_SECRET/);
    assert.doesNotMatch(daemon.stderr(), /SANDBOX/);
  });

  it('provisions a site through the configured infrastructure, and no secret reaches the log', async () => {
    const daemon = startScript('src/main.ts', [], { PORT: '0', PROVISIOND_DB: join(dir, 'real.db'), PROVISIOND_CONFIG: configPath, PROVISIOND_API_TOKEN: API_TOKEN, PROVISIOND_SANDBOX: '', ...secrets });
    children.push(daemon.child);
    await daemon.line((l) => typeof l.msg === 'string' && l.msg.startsWith('REAL MODE'));
    const listening = await daemon.line((l) => l.msg === 'provisiond is listening');
    const port = (listening.address as { port: number }).port;
    const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`http://127.0.0.1:${port}/create-site`, { method: 'POST', headers, body: JSON.stringify({ service_id: 'real-1', email: 'real@example.com', plan: 'basic', public_ip: '203.0.113.10' }) });
    assert.equal(created.status, 201);
    let state = '';
    for (let i = 0; i < 300 && state !== 'active' && state !== 'failed'; i++) {
      const status = (await (await fetch(`http://127.0.0.1:${port}/status?service_id=real-1`, { headers })).json()) as { service: { state: string } };
      state = status.service.state;
      if (state !== 'active') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(state, 'active');
    const system = (await (await fetch(`http://127.0.0.1:${port}/v1/system`, { headers })).json()) as { mode: string; queues: Record<string, { active: number; pending: number }> };
    assert.equal(system.mode, 'real');
    assert.deepEqual(Object.keys(system.queues).sort(), ['cloudflare', 'ispconfig', 'npm', 'proxmox']);
    daemon.child.kill('SIGTERM');
    await exited(daemon.child);
    const output = daemon.stderr() + daemon.stdout();
    for (const secret of [...Object.values(secrets), API_TOKEN]) assert.ok(!output.includes(secret), 'a secret reached the output');
  });
});

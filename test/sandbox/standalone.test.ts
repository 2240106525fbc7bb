/**
 * The sandbox as its own process (`npm run sandbox`) outlives a daemon killed with SIGKILL,
 * and the daemon finds it through the connection file; `npm start` with no configuration
 * runs its own sandbox in-process and says where each simulator listens.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { exited, startScript } from '../support/child-process.js';

const start = startScript;

describe('running the sandbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-sandbox-'));
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('stands alone, writes its connection file 0600, and survives the death of a daemon', async () => {
    const out = join(dir, 'sandbox.json');
    const sandbox = start('src/sandbox/cli.ts', ['--out', out, '--time-scale', '0', '--site-port', String(20_000 + Math.floor(Math.random() * 20_000))]);
    children.push(sandbox.child);
    const ready = await sandbox.line((l) => l.msg === 'sandbox listening');
    assert.equal(ready.connectionFile, out);
    assert.equal(statSync(out).mode & 0o777, 0o600, 'the connection file holds secrets');
    const connection = JSON.parse(readFileSync(out, 'utf8')) as { control: { url: string }; proxmox: { tokenSecret: string } };
    assert.ok(!JSON.stringify(ready).includes(connection.proxmox.tokenSecret), 'no secret is printed');

    const daemon = start('src/main.ts', [], { PORT: '0', PROVISIOND_DB: join(dir, 'provisiond.db'), PROVISIOND_SANDBOX: out, PROVISIOND_API_TOKEN: 'a-test-token-of-enough-length' });
    children.push(daemon.child);
    const mode = await daemon.line((l) => typeof l.msg === 'string' && l.msg.startsWith('SANDBOX MODE'));
    assert.equal(mode.file, out);
    await daemon.line((l) => l.msg === 'provisiond is listening');
    daemon.child.kill('SIGKILL');
    await exited(daemon.child);

    const state = await fetch(`${connection.control.url}/state`);
    assert.equal(state.status, 200, 'the sandbox outlives the daemon');
    sandbox.child.kill('SIGTERM');
    await exited(sandbox.child);
    assert.equal(sandbox.child.exitCode, 0);
  });

  it('runs in-process when npm start finds no configuration, logs every address, and a webhook ends in a live site', async () => {
    const token = 'a-test-token-of-enough-length';
    const daemon = start('src/main.ts', [], {
      PORT: '0',
      PROVISIOND_DB: join(dir, 'inprocess.db'),
      PROVISIOND_SANDBOX: '',
      PROVISIOND_API_TOKEN: token,
      PROVISIOND_SANDBOX_SITE_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
    });
    children.push(daemon.child);
    const mode = await daemon.line((l) => typeof l.msg === 'string' && l.msg.startsWith('SANDBOX MODE'));
    const addresses = mode.addresses as Record<string, string>;
    assert.deepEqual(Object.keys(addresses).sort(), ['cloudflare', 'control', 'dns', 'ispconfig', 'npm', 'proxmox', 'proxy', 'ssh']);
    for (const address of Object.values(addresses)) assert.match(address, /^[a-z]+:\/\/(root@)?127\.0\.0\.1:\d+$/);
    const listening = await daemon.line((l) => l.msg === 'provisiond is listening');
    const api = `http://127.0.0.1:${(listening.address as { port: number }).port}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${api}/create-site`, { method: 'POST', headers, body: JSON.stringify({ service_id: '12345', email: 'customer@example.com', plan: 'basic', public_ip: '203.0.113.10' }) });
    const { subdomain } = (await created.json()) as { subdomain: string };
    let state = '';
    const started = Date.now();
    while (state !== 'active' && state !== 'failed' && Date.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = ((await (await fetch(`${api}/status?service_id=12345`, { headers })).json()) as { service: { state: string } }).service.state;
    }
    assert.equal(state, 'active', 'the default sandbox takes a few seconds');
    const page = await request(`${addresses.proxy}/wp-admin/install.php`, { headers: { host: `${subdomain}.sandbox.test` } });
    assert.equal(page.statusCode, 200, 'the site answers through the sandbox proxy');
    await page.body.dump();
    daemon.child.kill('SIGTERM');
    await exited(daemon.child);
    assert.equal(daemon.child.exitCode, 0, 'a graceful stop closes the sandbox too');
  });
});

/**
 * The sandbox as its own process (`npm run sandbox`) outlives a daemon killed with SIGKILL,
 * and the daemon finds it through the connection file; `npm start` with no configuration
 * runs its own sandbox in-process and says where each simulator listens.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';

interface Started {
  readonly child: ChildProcess;
  /** Resolves with the first JSON line on stdout that satisfies `match`. */
  readonly line: (match: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
}

function start(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  if (child.stdout === null) throw new Error('the child has no stdout pipe');
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.match(line))) waiter.resolve(line);
  });
  return {
    child,
    line: (match) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(match);
        if (seen !== undefined) return resolve(seen);
        waiters.push({ match, resolve });
        child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before the expected line`)));
        setTimeout(() => reject(new Error(`${script}: no matching line within 30 s`)), 30_000).unref();
      }),
  };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

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

  it('runs in-process when npm start finds no configuration, and logs every address', async () => {
    const daemon = start('src/main.ts', [], { PORT: '0', PROVISIOND_DB: join(dir, 'inprocess.db'), PROVISIOND_SANDBOX: '', PROVISIOND_API_TOKEN: 'a-test-token-of-enough-length' });
    children.push(daemon.child);
    const mode = await daemon.line((l) => typeof l.msg === 'string' && l.msg.startsWith('SANDBOX MODE'));
    const addresses = mode.addresses as Record<string, string>;
    assert.deepEqual(Object.keys(addresses).sort(), ['cloudflare', 'control', 'dns', 'ispconfig', 'npm', 'proxmox', 'proxy', 'ssh']);
    for (const address of Object.values(addresses)) assert.match(address, /^[a-z]+:\/\/(root@)?127\.0\.0\.1:\d+$/);
    await daemon.line((l) => l.msg === 'provisiond is listening');
    daemon.child.kill('SIGTERM');
    await exited(daemon.child);
    assert.equal(daemon.child.exitCode, 0, 'a graceful stop closes the sandbox too');
  });
});

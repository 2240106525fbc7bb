/**
 * `provisiond sandbox` and `provisiond serve` as an operator starts them, through the bin: the
 * sandbox writes its connection file, the daemon uses it, generates its token file beside the
 * database, and a `services ls` reaches it with that file alone. SIGTERM stops both with 0.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runProvisiond, startProvisiond, type Running } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'provisiond-cli-serve-'));
const started: Running[] = [];
after(async () => {
  for (const running of started) running.child.kill('SIGKILL');
  await Promise.all(started.map((running) => running.exited()));
  rmSync(dir, { recursive: true, force: true });
});

test('sandbox, then serve against it; services ls uses the token file the daemon wrote; SIGTERM stops both', async () => {
  const connection = join(dir, 'sandbox.json');
  const sitePort = String(20_000 + Math.floor(Math.random() * 20_000));
  const sandbox = startProvisiond(['sandbox', '--out', connection, '--time-scale', '0', '--site-port', sitePort], {});
  started.push(sandbox);
  await sandbox.waitForOutput(/"msg":"sandbox listening"/, 30_000);

  const db = join(dir, 'data', 'provisiond.db');
  const daemon = startProvisiond(['serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    PROVISIOND_DB: db,
    PROVISIOND_SANDBOX: connection,
    PROVISIOND_CONFIG: '',
    PROVISIOND_RATE_LIMIT: '0',
    PROVISIOND_LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
  });
  started.push(daemon);
  await daemon.waitForOutput(/"msg":"provisiond is listening"/, 30_000);
  const line = daemon.stdout().split('\n').find((text) => text.includes('"msg":"provisiond is listening"')) ?? '{}';
  const port = (JSON.parse(line) as { address?: { port?: number } }).address?.port;
  assert.ok(port !== undefined, daemon.stdout());
  assert.equal(existsSync(join(dir, 'data', 'api-token')), true, 'the daemon wrote its token file');

  const listed = await runProvisiond(['services', 'ls'], { PROVISIOND_URL: `http://127.0.0.1:${port}`, PROVISIOND_DB: db });
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, 'no services\n');

  daemon.child.kill('SIGTERM');
  sandbox.child.kill('SIGTERM');
  assert.equal(await daemon.exited(), 0, daemon.stderr());
  assert.equal(await sandbox.exited(), 0, sandbox.stderr());
});

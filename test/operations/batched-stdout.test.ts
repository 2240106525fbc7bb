/**
 * The daemon's log destination writes lines in batches (src/batched-stdout.ts): a lone line
 * reaches the file within the flush interval, a full batch without waiting for it, and a
 * process that exits right after logging loses nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { batchedStdout } from '../../src/batched-stdout.js';
import { waitFor } from '../support/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'provisiond-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A file to log to. Its descriptor stays open until the test process exits: pino flushes what
 * is held back when the process is about to exit, and a descriptor closed under it would fail
 * that flush again and again.
 */
function logFile(name: string): { path: string; fd: number } {
  const path = join(dir, name);
  return { path, fd: openSync(path, 'w') };
}

describe('batched stdout', () => {
  it('holds a lone line back, then writes it within the flush interval', async () => {
    const { path, fd } = logFile('lone.log');
    const out = batchedStdout({ fd, batchBytes: 4_096, flushMs: 50 });
    out.write('{"msg":"one"}\n');
    await sleep(0);
    assert.equal(readFileSync(path, 'utf8'), '', 'not written at once');
    await waitFor(() => readFileSync(path, 'utf8').length > 0, 2_000, 'the lone line');
    assert.equal(readFileSync(path, 'utf8'), '{"msg":"one"}\n');
  });

  it('writes a full batch without waiting for the interval, and holds back what is under one', async () => {
    const { path, fd } = logFile('full.log');
    // An interval far longer than the test: only the batch size can make a write.
    const out = batchedStdout({ fd, batchBytes: 1_000, flushMs: 60_000 });
    const line = `${JSON.stringify({ msg: 'x'.repeat(88) })}\n`;
    // 30 lines of 99 bytes: batches, each write taking what arrived while the last was in flight.
    for (let i = 0; i < 30; i++) out.write(line);
    await waitFor(() => readFileSync(path, 'utf8').length === 30 * line.length, 2_000, 'the 30 lines');
    assert.equal(readFileSync(path, 'utf8'), line.repeat(30));
    // One more line is under a batch: it waits for the interval.
    out.write(line);
    await sleep(100);
    assert.equal(readFileSync(path, 'utf8').length, 30 * line.length);
  });

  it('writes every line held back when the process exits right after logging them', () => {
    const log = fileURLToPath(new URL('../../src/log.ts', import.meta.url));
    const code = `import { createLogger } from ${JSON.stringify(log)};
      const logger = createLogger({ level: 'info', format: 'json' });
      for (let i = 0; i < 2000; i++) logger.info({ i }, 'line');
      process.exit(0);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((text) => JSON.parse(text) as { i: number });
    assert.equal(lines.length, 2000);
    assert.deepEqual(lines.map((line) => line.i), Array.from({ length: 2000 }, (_, i) => i));
  });
});

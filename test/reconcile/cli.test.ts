/**
 * `provisiond reconcile`'s usage and configuration errors, each a process of its own: exit 2
 * with a message that says what is wrong, before anything is read or written. An in-process
 * sandbox cannot be reconciled from outside, and a missing database is never created.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './process-support.js';

// Each case is a process of its own that changes nothing: they run side by side.
describe('provisiond reconcile: usage and configuration errors (exit 2)', { concurrency: true }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an unknown command or option prints the usage', async () => {
    const run = await runCli(['reconcile', '--fx'], { PROVISIOND_DB: join(dir, 'none.db') });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Unknown option '--fx'/);
    assert.match(run.stderr, /usage: provisiond reconcile \[--fix\] \[--json\]/);
    assert.equal(run.stdout, '');
  });

  it('without infrastructure or PROVISIOND_SANDBOX it refuses: an in-process sandbox lives inside its daemon', async () => {
    const db = join(dir, 'none.db');
    const run = await runCli(['reconcile'], { PROVISIOND_DB: db, PROVISIOND_CONFIG: '' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /in-process sandbox/);
    assert.match(run.stderr, /PROVISIOND_SANDBOX/);
    assert.equal(existsSync(db), false, 'no database was created');
  });

  it('with a sandbox but no database it refuses and creates none (an empty one would make every marked resource an orphan)', async () => {
    const db = join(dir, 'missing.db');
    const run = await runCli(['reconcile', '--fix'], { PROVISIOND_DB: db, PROVISIOND_CONFIG: '', PROVISIOND_SANDBOX: join(dir, 'sandbox.json') });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /no database at .*missing\.db/);
    assert.equal(existsSync(db), false, 'no database was created');
  });
});

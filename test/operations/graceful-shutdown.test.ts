/**
 * SIGTERM to a real daemon process with a site half built: it exits 0 well within the grace
 * period, leaves a database that passes SQLite's integrity check with the service where it
 * last committed, and a new daemon on the same database finishes the site.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { exited, startScript, type Started } from '../support/child-process.js';
import { DaemonApi, daemonEnvironment, listeningUrl, poll, startSandboxProcess, type SandboxProcess } from '../support/sandbox-process.js';

const GRACE_SECONDS = 10;
const ID = '8101';

/** Resolves with the exit code and how long after `since` the child exited. */
async function exitOf(daemon: Started, since: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  await exited(daemon.child);
  return { code: daemon.child.exitCode, signal: daemon.child.signalCode, ms: Date.now() - since };
}

describe('graceful shutdown of a daemon with a site mid-provisioning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-shutdown-'));
  const dbPath = join(dir, 'provisiond.db');
  const children: Started[] = [];
  let sandbox: SandboxProcess;
  const startDaemon = async (): Promise<{ daemon: Started; api: DaemonApi }> => {
    const daemon = startScript('src/main.ts', [], { ...daemonEnvironment(dbPath, sandbox.file), PROVISIOND_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) });
    children.push(daemon);
    return { daemon, api: new DaemonApi(await listeningUrl(daemon)) };
  };

  before(async () => {
    // Slow enough that a build takes several seconds: the signal lands inside it.
    sandbox = await startSandboxProcess(dir, { timeScale: 0.03 });
    children.push(sandbox.started);
  });

  after(async () => {
    for (const child of children) child.child.kill('SIGKILL');
    await Promise.all(children.map((child) => exited(child.child)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 within the grace period, the database intact, and a restart finishes the site', async () => {
    const first = await startDaemon();
    const created = await first.api.createSite(ID, 'graceful@example.com');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await poll(() => first.api.status(ID), (s) => s.state === 'provisioning', 20_000, `service ${ID} to be provisioning`);

    const signalled = Date.now();
    first.daemon.child.kill('SIGTERM');
    const ended = await exitOf(first.daemon, signalled);
    assert.deepEqual([ended.code, ended.signal], [0, null], `exit status; stderr: ${first.daemon.stderr().slice(-500)}`);
    assert.ok(ended.ms < GRACE_SECONDS * 1000, `exited after ${ended.ms} ms`);
    await first.daemon.line((l) => l.msg === 'provisiond stopped');
    const shutting = await first.daemon.line((l) => l.msg === 'shutting down: no new requests; actors stop at their last commit');
    assert.equal(shutting.reason, 'SIGTERM');

    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      assert.equal(db.prepare('PRAGMA integrity_check').pluck().get(), 'ok');
      const state = db.prepare('SELECT state FROM services WHERE service_id = ?').pluck().get(ID);
      assert.equal(state, 'provisioning', 'the signal arrived mid-build (if the build finished first, slow the sandbox down)');
    } finally {
      db.close();
    }

    const second = await startDaemon();
    await second.daemon.line((l) => l.msg === 'services restored' && l.restored === 1);
    const active = await second.api.waitForState(ID, 'active', 60_000);
    assert.equal(active.vmid, created.body.vmid, 'the same container, adopted');

    const again = Date.now();
    second.daemon.child.kill('SIGINT');
    const quiet = await exitOf(second.daemon, again);
    assert.deepEqual([quiet.code, quiet.signal], [0, null]);
  });
});

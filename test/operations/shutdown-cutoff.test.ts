/**
 * A shutdown never waits longer than it should: with a write sent to Proxmox that gets no
 * answer, a daemon waits out its grace period, says what it cut off and still exits 0 with its
 * database closed; and a second signal during the wait exits at once with status 1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { exited, startScript, type Started } from '../support/child-process.js';
import { DaemonApi, daemonEnvironment, listeningUrl, poll, SandboxProbe, startSandboxProcess, type SandboxProcess } from '../support/sandbox-process.js';

const HUNG_WRITE = 'proxmox.ha.resources.create';

describe('a shutdown with a write that never answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-cutoff-'));
  const children: Started[] = [];
  let sandbox: SandboxProcess;
  let probe: SandboxProbe;

  /** A daemon on its own database and VMID range, the signal sent once the HA write hangs. */
  const hangingDaemon = async (name: string, vmidFirst: number, graceSeconds: number): Promise<Started> => {
    const config = join(dir, `${name}.json`);
    writeFileSync(config, JSON.stringify({ pools: { vmids: { first: vmidFirst, last: vmidFirst + 9 } } }));
    const env = { ...daemonEnvironment(join(dir, `${name}.db`), sandbox.file), PROVISIOND_CONFIG: config, PROVISIOND_SHUTDOWN_GRACE_SECONDS: String(graceSeconds) };
    const daemon = startScript('src/main.ts', [], env);
    children.push(daemon);
    const api = new DaemonApi(await listeningUrl(daemon));
    const created = await api.createSite(name, `${name}@example.com`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return daemon;
  };

  before(async () => {
    sandbox = await startSandboxProcess(dir, { timeScale: 0.01 });
    children.push(sandbox.started);
    probe = new SandboxProbe(sandbox.connection);
    // Both daemons' HA registrations are held without an answer (past their client's 30 s).
    await probe.injectFault({ op: HUNG_WRITE, kind: 'timeout', times: 2 });
  });

  after(async () => {
    for (const child of children) child.child.kill('SIGKILL');
    await Promise.all(children.map((child) => exited(child.child)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits out the grace period, cuts the write off and exits 0; a second signal exits 1 at once', async () => {
    // One after the other: two daemons compiling at once on a busy machine start slowly.
    const patient = await hangingDaemon('cutoff', 3000, 1);
    const impatient = await hangingDaemon('twice', 3100, 60);
    await poll(async () => (await probe.counters())[HUNG_WRITE]?.inFlight ?? 0, (n) => n === 2, 30_000, 'both HA writes to hang');

    const signalled = Date.now();
    patient.child.kill('SIGTERM');
    impatient.child.kill('SIGTERM');
    await impatient.line((l) => l.msg === 'waiting for effects already under way to settle');
    const second = Date.now();
    impatient.child.kill('SIGTERM');
    await Promise.all([exited(patient.child), exited(impatient.child)]);

    assert.deepEqual([impatient.child.exitCode, impatient.child.signalCode], [1, null], 'the second signal exits 1');
    assert.ok((await impatient.line((l) => l.msg === 'second signal: exiting now')) !== undefined);
    assert.ok(Date.now() - second < 55_000, 'not after the grace period');

    assert.deepEqual([patient.child.exitCode, patient.child.signalCode], [0, null], `stderr: ${patient.stderr().slice(-500)}`);
    const cut = await patient.line((l) => typeof l.msg === 'string' && l.msg.startsWith('grace period over'));
    assert.ok(Number(cut.inFlight) >= 1, 'the hanging write is named as cut off');
    await patient.line((l) => l.msg === 'provisiond stopped');
    // Grace 1 s, then at most 5 s for the clients to close: well before the 10 s margin's hard exit.
    const took = Date.now() - signalled;
    assert.ok(took < 9_000, `the patient daemon took ${took} ms`);
    const db = new Database(join(dir, 'cutoff.db'), { readonly: true, fileMustExist: true });
    try {
      assert.equal(db.prepare('PRAGMA integrity_check').pluck().get(), 'ok');
      assert.equal(db.prepare('SELECT state FROM services WHERE service_id = ?').pluck().get('cutoff'), 'provisioning');
    } finally {
      db.close();
    }
  });
});

/**
 * `migrate`, `backup` and `restore` as processes on temp files. The backup is taken while the
 * database is open and in use by a registry (WAL, as under a running daemon); the restore is
 * refused while a daemon answers or another process holds the file, and keeps what it replaces.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION } from '../../src/persistence/schema-version.js';
import { openStore } from '../../src/persistence/store.js';
import { createHarness, siteBody, type Harness } from '../server/harness.js';
import { closedPort, runProvisiond } from './support.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

function serviceIds(path: string): string[] {
  const store = openStore(path);
  try {
    return store.services.list({ limit: 100 }).map((service) => service.serviceId);
  } finally {
    store.close();
  }
}

describe('provisiond migrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-cli-migrate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--check on a missing file exits 1 and creates nothing; migrate creates the schema (0600); then --check exits 0', async () => {
    const db = join(dir, 'new', 'provisiond.db');
    const before = await runProvisiond(['migrate', '--check'], { PROVISIOND_DB: db });
    assert.equal(before.code, 1, before.stderr);
    assert.match(before.stdout, new RegExp(`no database; ${LATEST_SCHEMA_VERSION} migrations pending`));
    assert.equal(existsSync(db), false);

    const migrated = await runProvisiond(['migrate'], { PROVISIOND_DB: db });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, new RegExp(`schema version 0 → ${LATEST_SCHEMA_VERSION} \\(applied 1 initial schema`));
    assert.equal(mode(db), 0o600);
    assert.deepEqual(serviceIds(db), [], 'a usable, empty provisiond database');

    const [check, again] = await Promise.all([runProvisiond(['migrate', '--check'], { PROVISIOND_DB: db }), runProvisiond(['migrate'], { PROVISIOND_DB: db })]);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, new RegExp(`schema version ${LATEST_SCHEMA_VERSION}, up to date`));
    assert.equal(again.code, 0);
    assert.match(again.stdout, /up to date/);
  });
});

describe('provisiond backup and restore', () => {
  let h: Harness;
  let daemonUrl: string;
  let stoppedUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-cli-backup-'));
  const backupFile = join(dir, 'backup.db');

  before(async () => {
    h = createHarness();
    daemonUrl = `http://${await h.listen()}`;
    stoppedUrl = `http://127.0.0.1:${await closedPort()}`;
    for (const id of ['b-1', 'b-2']) {
      assert.equal((await h.call({ method: 'POST', url: '/create-site', payload: siteBody(id) })).statusCode, 201);
      await h.settled(id, 'active');
    }
  });
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backup copies the database while the daemon\'s connection has it open (WAL), mode 0600, checked', async () => {
    const run = await runProvisiond(['backup', backupFile], { PROVISIOND_DB: h.stack.dbPath });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /integrity ok, schema version \d+, 2 services/);
    assert.match(run.stdout, /\(\d+ bytes\)/);
    assert.equal(mode(backupFile), 0o600);
    assert.equal(existsSync(`${backupFile}-wal`), false, 'one self-contained file');
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes('.partial-')),
      [],
      'no partial file left behind',
    );
  });

  it('restore into a fresh path brings the services back (mode 0600)', async () => {
    const db = join(dir, 'fresh', 'provisiond.db');
    const run = await runProvisiond(['restore', backupFile, '--yes'], { PROVISIOND_DB: db, PROVISIOND_URL: stoppedUrl });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /nothing to keep/);
    assert.equal(mode(db), 0o600);
    assert.deepEqual(serviceIds(db), ['b-1', 'b-2']);
  });

  it('restore over a database keeps it as .before-restore-<time>, stale -wal and -shm with it', async () => {
    const target = join(dir, 'over');
    mkdirSync(target);
    const db = join(target, 'provisiond.db');
    openStore(db).close();
    writeFileSync(`${db}-shm`, 'stale');
    const run = await runProvisiond(['restore', backupFile, '--yes'], { PROVISIOND_DB: db, PROVISIOND_URL: stoppedUrl });
    assert.equal(run.code, 0, run.stderr);
    const kept = readdirSync(target).filter((name) => /^provisiond\.db\.before-restore-\d{8}T\d{6}Z$/.test(name));
    assert.equal(kept.length, 1, readdirSync(target).join(', '));
    // Looked at before the kept file is opened: SQLite would remove its -shm on close.
    assert.equal(existsSync(join(target, `${kept[0]}-shm`)), true, 'the stale -shm moved with it');
    assert.equal(existsSync(`${db}-shm`), false);
    assert.deepEqual(serviceIds(join(target, kept[0] ?? '')), [], 'the old database, intact');
    assert.deepEqual(serviceIds(db), ['b-1', 'b-2']);
  });

  it('restore is refused while a daemon answers at PROVISIOND_URL, and while another process has the database open', async () => {
    const db = join(dir, 'busy', 'provisiond.db');
    mkdirSync(join(dir, 'busy'));
    // An empty database: had the backup (two services) replaced it, it would show.
    openStore(db).close();
    const answering = await runProvisiond(['restore', backupFile, '--yes'], { PROVISIOND_DB: db, PROVISIOND_URL: daemonUrl });
    assert.equal(answering.code, 1);
    assert.match(answering.stderr, new RegExp(`a daemon answers at ${daemonUrl} \\(HTTP \\d+\\): stop it`));

    // An idle reader is enough: it holds its lock on the WAL index as long as it is open.
    const holder = new Database(db);
    holder.pragma('journal_mode = WAL');
    holder.prepare('SELECT count(*) FROM services').get();
    try {
      const open = await runProvisiond(['restore', backupFile, '--yes'], { PROVISIOND_DB: db, PROVISIOND_URL: stoppedUrl });
      assert.equal(open.code, 1);
      assert.match(open.stderr, /is open in another process/);
    } finally {
      holder.close();
    }
    assert.deepEqual(serviceIds(db), [], 'the database was not replaced');
    assert.deepEqual(readdirSync(join(dir, 'busy')).filter((name) => name.includes('before-restore') || name.includes('restoring')), []);
  });

  it('restore refuses a file that is not a provisiond database this version can use', async () => {
    const notSqlite = join(dir, 'not-sqlite.db');
    writeFileSync(notSqlite, 'hello, not a database\n'.repeat(300));
    const newer = join(dir, 'newer.db');
    copyFileSync(backupFile, newer);
    const raw = new Database(newer);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'from the future', Date.now());
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const db = join(dir, 'untouched', 'provisiond.db');
    const env = { PROVISIOND_DB: db, PROVISIOND_URL: stoppedUrl };
    const [junk, future] = await Promise.all([runProvisiond(['restore', notSqlite, '--yes'], env), runProvisiond(['restore', newer, '--yes'], env)]);
    assert.equal(junk.code, 1);
    assert.match(junk.stderr, /not-sqlite\.db is not a readable SQLite database/);
    assert.equal(future.code, 1);
    assert.match(future.stderr, new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1} is newer than this provisiond supports`));
    assert.equal(existsSync(db), false, 'nothing was put in place');
    assert.deepEqual(readdirSync(join(dir, 'untouched')), [], 'no staged copy left behind');
  });
});

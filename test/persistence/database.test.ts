import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { openDatabase } from '../../src/persistence/database.js';
import { MIGRATIONS, migrate } from '../../src/persistence/migrations.js';
import { openStore } from '../../src/persistence/store.js';
import { newService, policy, tempDbPath } from './helpers.js';

describe('opening and migrating the database', () => {
  test('migrations are numbered 1, 2, 3 and so on, in order', () => {
    assert.deepEqual(
      MIGRATIONS.map((migration) => migration.version),
      MIGRATIONS.map((_, index) => index + 1),
    );
  });

  test('a fresh file gets every migration, each recorded with its name', (t) => {
    const db = openDatabase(tempDbPath());
    t.after(() => db.close());
    assert.deepEqual(migrate(db), MIGRATIONS.map((migration) => migration.version));
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    assert.deepEqual(recorded, MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  test('re-opening a migrated file applies nothing and keeps the data', (t) => {
    const path = tempDbPath();
    const first = openStore(path);
    first.services.create(newService('1'), policy(), 1_000);
    first.close();
    const db = openDatabase(path);
    t.after(() => db.close());
    assert.deepEqual(migrate(db), []);
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM services').get(), { n: 1 });
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM schema_migrations').get(), { n: MIGRATIONS.length });
  });

  test('a new database file and its write-ahead log are readable by their owner only', (t) => {
    const path = tempDbPath();
    const store = openStore(path);
    t.after(() => store.close());
    store.services.create(newService('1'), policy(), 1_000);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(existsSync(`${path}-wal`));
    assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
  });

  test('the connection runs in WAL mode with foreign keys enforced and a busy timeout', (t) => {
    const db = openDatabase(tempDbPath());
    t.after(() => db.close());
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.ok(Number(db.pragma('busy_timeout', { simple: true })) >= 1_000);
  });

  test('a migrated database in use passes the integrity and foreign key checks', (t) => {
    const path = tempDbPath();
    const store = openStore(path);
    store.services.create(newService('1'), policy(), 1_000);
    store.close();
    const db = openDatabase(path);
    t.after(() => db.close());
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  });

  test('an in-memory database can be opened and migrated', () => {
    const db = openDatabase(':memory:');
    assert.deepEqual(migrate(db), MIGRATIONS.map((migration) => migration.version));
    db.close();
  });

  test('a database written by a newer provisiond is refused with a clear error', () => {
    const path = tempDbPath();
    openStore(path).close();
    const db = openDatabase(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(MIGRATIONS.length + 1, 'from the future', 0);
    db.close();
    assert.throws(
      () => openStore(path),
      (error: unknown) => error instanceof AppError && error.code === 'CONFIG_INVALID' && /newer than this provisiond/.test(error.message),
    );
  });
});

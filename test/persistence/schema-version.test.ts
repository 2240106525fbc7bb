import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/persistence/database.js';
import { MIGRATIONS, migrate } from '../../src/persistence/migrations.js';
import { tablesOf, tablesOfVersion } from '../../src/persistence/schema-version.js';

/** SQLite's own bookkeeping, created by the first AUTOINCREMENT table: not a table of ours. */
const OWN = (name: string) => name !== 'sqlite_sequence';

describe('the tables each schema version holds, read from the migrations', () => {
  test('at every version, exactly the tables a file migrated that far has (created, dropped, rebuilt and renamed)', () => {
    const db = openDatabase(':memory:');
    try {
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
      for (const migration of MIGRATIONS) {
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, 1);
        assert.deepEqual([...tablesOfVersion(migration.version)].sort(), [...tablesOf(db)].filter(OWN).sort(), `version ${migration.version}`);
      }
      assert.deepEqual(migrate(db), [], 'the loop applied them all');
    } finally {
      db.close();
    }
  });

  test('version 0 (an empty file) holds none', () => {
    assert.deepEqual(tablesOfVersion(0), []);
  });
});

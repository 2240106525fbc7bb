import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { startBackgroundCheckpoints } from '../../src/persistence/background-checkpoints.js';
import { openDatabase } from '../../src/persistence/database.js';
import { openStore } from '../../src/persistence/store.js';
import { waitFor } from '../support/stack.js';
import { newService, policy, tempDbPath } from './helpers.js';

const ROWS = 400;
const ROW_BYTES = 8 * 1024;

describe('WAL checkpoints on a worker thread', () => {
  test('commits never checkpoint; the worker copies the WAL into the database file soon after', async (t) => {
    const path = tempDbPath();
    const db = openDatabase(path);
    t.after(() => db.close());
    const checkpoints = startBackgroundCheckpoints(db, { intervalMs: 50 });
    t.after(() => checkpoints.stop());
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'the connection itself never checkpoints');
    db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)');
    const insert = db.prepare('INSERT INTO blobs (body) VALUES (?)');
    // ~3 MB in one transaction: about 800 WAL pages land at once, none in the database file yet.
    db.transaction(() => {
      for (let i = 0; i < ROWS; i++) insert.run(Buffer.alloc(ROW_BYTES, i));
    })();
    assert.ok(statSync(path).size < 512 * 1024, `the commit left the pages in the WAL (file ${statSync(path).size} bytes)`);
    await waitFor(() => statSync(path).size >= ROWS * ROW_BYTES, 10_000, 'the worker to checkpoint the WAL');
    assert.equal((db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n, ROWS);
  });

  test('a store opened for the daemon stops its worker on close, leaving no WAL behind', () => {
    const path = tempDbPath();
    const store = openStore(path, { checkpoints: 'background' });
    store.services.create(newService('1'), policy(), 1_000);
    store.close();
    assert.equal(existsSync(`${path}-wal`), false, 'the daemon closed last and removed the WAL');
    const again = openStore(path);
    try {
      assert.equal(again.services.get('1')?.serviceId, '1');
    } finally {
      again.close();
    }
  });

  test('an in-memory database has no file to checkpoint: nothing is started', () => {
    const db = openDatabase(':memory:');
    try {
      const checkpoints = startBackgroundCheckpoints(db);
      checkpoints.stop();
      checkpoints.stop();
    } finally {
      db.close();
    }
  });
});

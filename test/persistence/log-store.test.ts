import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/persistence/database.js';
import { LOG_LINE_MAX, LOG_LINES_KEPT } from '../../src/persistence/log-store.js';
import { MIGRATIONS } from '../../src/persistence/migrations.js';
import { openStore } from '../../src/persistence/store.js';

const dir = mkdtempSync(join(tmpdir(), 'provisiond-log-'));
const policy = { ipPool: { first: '127.0.30.1', last: '127.0.30.200' }, vmidRange: { first: 100, last: 300 }, reservedSubdomains: [], random: Math.random };
const service = (serviceId: string) => ({ serviceId, email: `${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10', domainQuota: 3 });

describe('the per-service log', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the newest lines of each service, oldest first, and cuts runaway lines', () => {
    const store = openStore(join(dir, 'log.db'));
    try {
      store.services.create(service('a'), policy, 1);
      store.services.create(service('b'), policy, 1);
      for (let i = 0; i < LOG_LINES_KEPT + 5; i++) store.logs.append('a', `line ${i}`, i);
      store.logs.append('b', 'x'.repeat(LOG_LINE_MAX + 10), 1);
      const tail = store.logs.tail('a', LOG_LINES_KEPT + 100);
      assert.equal(tail.length, LOG_LINES_KEPT, 'older lines are pruned');
      assert.equal(tail[0]?.line, 'line 5');
      assert.equal(tail.at(-1)?.line, `line ${LOG_LINES_KEPT + 4}`);
      assert.deepEqual(store.logs.tail('a', 2).map((l) => l.line), [`line ${LOG_LINES_KEPT + 3}`, `line ${LOG_LINES_KEPT + 4}`]);
      const [long] = store.logs.tail('b', 10);
      assert.equal(long?.line.length, LOG_LINE_MAX + 1, 'cut, with an ellipsis');
    } finally {
      store.close();
    }
  });

  it('is added to a database created by the first schema version', () => {
    const path = join(dir, 'v1.db');
    const db = openDatabase(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    const first = MIGRATIONS[0];
    assert.ok(first);
    db.exec(first.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(first.version, first.name, 1);
    db.close();
    const store = openStore(path);
    try {
      store.services.create(service('old'), policy, 1);
      store.logs.append('old', 'hello', 2);
      assert.deepEqual(store.logs.tail('old', 5).map((l) => l.line), ['hello']);
    } finally {
      store.close();
    }
  });
});

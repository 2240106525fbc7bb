import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/persistence/database.js';
import { MIGRATIONS } from '../../src/persistence/migrations.js';
import { openStore } from '../../src/persistence/store.js';
import { policy, tempDbPath } from './helpers.js';

/** A file as provisiond left it at schema version 4, with a service and three deliveries. */
function versionFourFile(): string {
  const path = tempDbPath();
  const db = openDatabase(path);
  try {
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, 1);
    }
    db.exec(`
      INSERT INTO services (service_id, email, plan, vmid, private_ip, subdomain, public_ip, created_at, state, step, updated_at)
        VALUES ('old', 'old@example.com', 'pro', 900, '127.0.1.100', 'old', '203.0.113.10', 1, 'active', NULL, 2);
      INSERT INTO allocations (service_id, subdomain, private_ip_num, vmid, allocated_at) VALUES ('old', 'old', 2130706788, 900, 1);
      INSERT INTO domain_quotas (service_id, quota) VALUES ('old', 7);
      INSERT INTO inbox (id, idempotency_key, service_id, command, received_at, completed_at, outcome)
        VALUES (5, 'k1', 'old', '{"type":"create"}', 1, 1, '{"ok":true,"created":true}'),
               (7, NULL, 'old', '{"type":"suspend"}', 2, 2, '{"ok":true,"created":false}'),
               (9, NULL, 'old', '{"type":"unsuspend"}', 3, NULL, NULL);`);
  } finally {
    db.close();
  }
  return path;
}

describe('migration 5: fewer pages per create', () => {
  test('moves each quota onto its service and keeps every delivery, its id, key and outcome', () => {
    const path = versionFourFile();
    const store = openStore(path);
    try {
      assert.equal(store.services.get('old')?.domainQuota, 7);
      assert.deepEqual(store.inbox.find('k1'), {
        id: 5, idempotencyKey: 'k1', command: '{"type":"create"}', serviceId: 'old', receivedAt: 1, completedAt: 1, outcome: '{"ok":true,"created":true}',
      });
      assert.deepEqual(store.inbox.incomplete().map((entry) => entry.id), [9], 'the unfinished delivery is still replayed at boot');
      assert.equal(store.inbox.accept({ idempotencyKey: 'k1', serviceId: 'old', command: '{"type":"create"}' }, 4).duplicate, true, 'a key keeps answering');
      const next = store.inbox.accept({ idempotencyKey: null, serviceId: 'old', command: '{"type":"suspend"}' }, 5);
      assert.equal(next.entry.id, 10, 'ids go on after the largest');
    } finally {
      store.close();
    }
    const db = openDatabase(path);
    try {
      const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
      assert.ok(!tables.includes('domain_quotas') && !tables.includes('inbox_slim'));
      assert.equal(db.prepare("SELECT count(*) FROM sqlite_sequence WHERE name = 'inbox'").pluck().get(), 0, 'no counter row rewritten per delivery');
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
    } finally {
      db.close();
    }
  });

  test('indexes only the deliveries that carry a key, and a key still names one delivery', () => {
    const store = openStore(tempDbPath());
    try {
      for (let i = 0; i < 3; i++) store.inbox.record({ idempotencyKey: null, serviceId: `s${i}`, command: '{}', outcome: '{}' }, i);
      store.inbox.record({ idempotencyKey: 'k', serviceId: 's9', command: '{}', outcome: '{}' }, 9);
      assert.throws(() => store.inbox.record({ idempotencyKey: 'k', serviceId: 's9', command: '{}', outcome: '{}' }, 10), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
      assert.equal(store.inbox.incomplete().length, 0, 'recorded with their outcome: nothing to replay');
    } finally {
      store.close();
    }
  });

  test('lets a plan change rewrite the quota on the service row', () => {
    const store = openStore(tempDbPath());
    try {
      store.services.create({ serviceId: '1', email: 'a@example.com', plan: 'basic', publicIp: '203.0.113.10', domainQuota: 1 }, policy(), 1);
      store.actors.commit({
        serviceId: '1', machineVersion: 1, snapshot: '{}', final: false, from: null, to: 'pending', event: 'create', step: null, state: 'pending', error: null, at: 2,
        plan: { name: 'pro', domainQuota: 5 },
      });
      assert.equal(store.services.get('1')?.domainQuota, 5);
      assert.equal(store.services.get('1')?.plan, 'pro');
    } finally {
      store.close();
    }
  });
});

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CommitGroup } from '../../src/persistence/commit-group.js';
import { openDatabase, type Db } from '../../src/persistence/database.js';
import { openStore } from '../../src/persistence/store.js';
import { newService, policy, tempDbPath } from './helpers.js';

/** A second connection to the file: it sees only what is committed. */
function reader(path: string): Db {
  return new Database(path, { readonly: true });
}

function count(db: Db, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

function opened(t: { after: (fn: () => void) => void }): { path: string; db: Db; other: Db } {
  const path = tempDbPath();
  const db = openDatabase(path);
  db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY)');
  const other = reader(path);
  t.after(() => {
    other.close();
    db.close();
  });
  return { path, db, other };
}

describe('group commit', () => {
  test('members of one turn share one commit, made at the end of the turn; committed() resolves after it', async (t) => {
    const { db, other } = opened(t);
    const group = new CommitGroup(db);
    const insert = db.prepare('INSERT INTO orders (id) VALUES (?)');
    group.run(() => insert.run('a'));
    group.run(() => insert.run('b'));
    assert.equal(count(db, 'orders'), 2, 'the connection sees its own writes');
    assert.equal(count(other, 'orders'), 0, 'nothing is committed during the turn');
    const done = group.committed();
    assert.equal(db.inTransaction, true);
    await done;
    assert.equal(db.inTransaction, false);
    assert.equal(count(other, 'orders'), 2, 'both committed together');
    // Nothing open: committed() answers at once.
    await group.committed();
  });

  test('a group open for maxOpenMs is committed before the next member, which opens the next group', async (t) => {
    const { db, other } = opened(t);
    const clock = { now: 0 };
    const group = new CommitGroup(db, { maxOpenMs: 3, now: () => clock.now });
    const insert = db.prepare('INSERT INTO orders (id) VALUES (?)');
    group.run(() => insert.run('a'));
    const first = group.committed();
    clock.now = 2;
    group.run(() => insert.run('b'));
    assert.equal(count(other, 'orders'), 0, 'within 3 ms: the same group');
    clock.now = 3;
    group.run(() => insert.run('c'));
    assert.equal(count(other, 'orders'), 2, 'a and b were committed before c joined');
    await first;
    const second = group.committed();
    assert.equal(count(other, 'orders'), 2, 'c waits for the end of its turn');
    await second;
    assert.equal(count(other, 'orders'), 3);
  });

  test('a group is never held past its turn, however closely creates follow each other', async (t) => {
    const { db, other } = opened(t);
    const clock = { now: 0 };
    const group = new CommitGroup(db, { maxOpenMs: 500, now: () => clock.now });
    const insert = db.prepare('INSERT INTO orders (id) VALUES (?)');
    // A steady stream, one create per turn 2 ms apart: each is committed at the end of its own
    // turn, waiting for none after it.
    for (let i = 1; i <= 3; i++) {
      clock.now += 2;
      group.run(() => insert.run(`streamed-${i}`));
      await nextTurn();
      assert.equal(db.inTransaction, false, `create ${i} committed at the end of its turn`);
      assert.equal(count(other, 'orders'), i);
    }
  });

  test('each commit of a group is reported once, with its duration', async (t) => {
    const { db, other } = opened(t);
    const reported: number[] = [];
    const group = new CommitGroup(db, { onCommit: (durationMs) => reported.push(durationMs) });
    const insert = db.prepare('INSERT INTO orders (id) VALUES (?)');
    group.run(() => insert.run('a'));
    group.run(() => insert.run('b'));
    assert.deepEqual(reported, [], 'nothing committed yet');
    await group.committed();
    assert.equal(count(other, 'orders'), 2);
    assert.equal(reported.length, 1, 'one commit for the two');
    assert.ok((reported[0] ?? -1) >= 0);
  });

  test('a member that throws is rolled back alone; the others commit', async (t) => {
    const { db, other } = opened(t);
    const group = new CommitGroup(db);
    const insert = db.prepare('INSERT INTO orders (id) VALUES (?)');
    group.run(() => insert.run('a'));
    assert.throws(() => group.run(() => {
      insert.run('b');
      throw new Error('refused');
    }), /refused/);
    group.run(() => insert.run('c'));
    await group.committed();
    assert.deepEqual(other.prepare('SELECT id FROM orders ORDER BY id').pluck().all(), ['a', 'c']);
  });

  test('a write outside the group commits the group first and runs in a transaction of its own', async (t) => {
    const path = tempDbPath();
    const store = openStore(path);
    const other = reader(path);
    t.after(() => {
      other.close();
      store.close();
    });
    store.groupCommit(() => store.services.create(newService('grouped'), policy(), 1_000));
    const waiting = store.committed();
    assert.equal(count(other, 'services'), 0);
    // A write of another kind (here: a second create outside any group) must not join it.
    store.services.create(newService('alone'), policy(), 1_000);
    assert.equal(count(other, 'services'), 2, 'the group was committed before the write, which committed on its own');
    await waiting;
  });

  test('close() commits what the group holds', (t) => {
    const path = tempDbPath();
    const store = openStore(path);
    store.groupCommit(() => store.services.create(newService('last'), policy(), 1_000));
    store.close();
    const again = openStore(path);
    t.after(() => again.close());
    assert.equal(again.services.get('last')?.serviceId, 'last');
  });

  test('a failed commit rolls the whole group back, undoes each member and rejects the waiters', async (t) => {
    const { db, other } = opened(t);
    // A deferred foreign key is checked at COMMIT: the way to make a real commit fail here.
    db.exec('CREATE TABLE lines (order_id TEXT REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED)');
    const failures: unknown[] = [];
    const group = new CommitGroup(db, { onFailure: (error) => failures.push(error) });
    const undone: string[] = [];
    group.run(() => db.prepare("INSERT INTO orders (id) VALUES ('a')").run(), () => undone.push('a'));
    group.run(() => db.prepare("INSERT INTO lines (order_id) VALUES ('missing')").run(), () => undone.push('dangling'));
    const waiting = group.committed();
    await assert.rejects(waiting, /FOREIGN KEY/);
    await nextTurn();
    assert.deepEqual(undone.sort(), ['a', 'dangling']);
    assert.equal(failures.length, 1, 'onFailure was told');
    assert.equal(db.inTransaction, false, 'nothing is left open');
    assert.equal(count(db, 'orders'), 0, 'the group is gone, its good member too');
    assert.equal(count(other, 'orders'), 0);
    // The connection goes on: the next group commits.
    group.run(() => db.prepare("INSERT INTO orders (id) VALUES ('b')").run());
    await group.committed();
    assert.equal(count(other, 'orders'), 1);
  });

  test('inside a transaction someone else owns, a member joins it', (t) => {
    const { db, other } = opened(t);
    const group = new CommitGroup(db);
    db.transaction(() => {
      group.run(() => db.prepare("INSERT INTO orders (id) VALUES ('a')").run());
    })();
    assert.equal(db.inTransaction, false);
    assert.equal(count(other, 'orders'), 1, 'committed with the owner');
  });
});

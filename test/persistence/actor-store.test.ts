import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/persistence/database.js';
import { newService, policy, tempStore, transition } from './helpers.js';

describe('actors.commit(), load() and resumable()', () => {
  test('commit() numbers transitions 1, 2, 3 and so on across all services, with no gaps', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.services.create(newService('b'), policy(), 2);
    const seqs = ['a', 'b', 'a', 'b', 'b'].map((id, i) => store.actors.commit(transition(id, { at: 10 + i })));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
    assert.equal(store.transitions.lastSeq(), 5);
  });

  test('a commit for a service that was never created is refused and uses up no seq', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.actors.commit(transition('a'));
    assert.throws(() => store.actors.commit(transition('ghost')), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    assert.equal(store.actors.load('ghost'), undefined);
    assert.equal(store.actors.commit(transition('a')), 2);
  });

  test('commit() moves the service record to the new state and step', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.actors.commit(transition('a', { state: 'provisioning', step: 'provisioning.site.install.running', at: 50 }));
    const record = store.services.get('a');
    assert.deepEqual([record?.state, record?.step, record?.updatedAt, record?.createdAt], ['provisioning', 'provisioning.site.install.running', 50, 1]);
  });

  test('commit() keeps step and time current when the state stays, and lists the service by its state', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.actors.commit(transition('a', { state: 'provisioning', step: 'provisioning.site.container.running', at: 60 }));
    store.actors.commit(transition('a', { state: 'provisioning', step: 'provisioning.site.install.running', at: 70 }));
    const record = store.services.get('a');
    assert.deepEqual([record?.state, record?.step, record?.updatedAt], ['provisioning', 'provisioning.site.install.running', 70]);
    store.actors.commit(transition('a', { state: 'active', step: null, at: 80 }));
    assert.deepEqual(store.services.list({ state: 'active', limit: 10 }).map((r) => r.serviceId), ['a']);
    assert.deepEqual(store.services.list({ state: 'provisioning', limit: 10 }), [], 'the state index moved with the state');
  });

  test('load() returns the last snapshot committed, with its version and finality', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    assert.equal(store.actors.load('a'), undefined);
    store.actors.commit(transition('a', { snapshot: '{"n":1}' }));
    store.actors.commit(transition('a', { snapshot: '{"n":2}', machineVersion: 2, final: true, state: 'deleted' }));
    assert.deepEqual(store.actors.load('a'), { machineVersion: 2, snapshot: '{"n":2}', final: true });
  });

  test('transitions cannot be updated or deleted, even over a raw connection', (t) => {
    const { store, path } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.actors.commit(transition('a'));
    const raw = openDatabase(path);
    t.after(() => raw.close());
    assert.throws(() => raw.prepare("UPDATE transitions SET event = 'rewritten'").run(), /append-only/);
    assert.throws(() => raw.prepare('DELETE FROM transitions').run(), /append-only/);
    assert.equal(store.transitions.recent('a', 10)[0]?.event, 'service.created');
  });

  test('resumable() lists unfinished services oldest first, leaving out final and deleted ones', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('fresh'), policy(), 40);
    store.services.create(newService('running'), policy(), 10);
    store.services.create(newService('finished'), policy(), 20);
    store.services.create(newService('deleted'), policy(), 30);
    store.actors.commit(transition('running', { state: 'active' }));
    store.actors.commit(transition('finished', { state: 'deleted', final: true }));
    store.actors.commit(transition('deleted', { state: 'deleted', final: false }));
    assert.deepEqual(store.actors.resumable(), ['running', 'fresh']);
  });
});

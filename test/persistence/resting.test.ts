import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newService, policy, tempStore, transition } from './helpers.js';

describe('services at rest (migration 4)', () => {
  test('resumable() leaves out services whose last snapshot is at rest, and a later busy commit brings them back', (t) => {
    const { store } = tempStore(t);
    for (const [i, id] of ['busy', 'idle', 'fresh'].entries()) store.services.create(newService(id), policy(), 10 + i);
    store.actors.commit(transition('busy', { state: 'provisioning' }));
    store.actors.commit(transition('idle', { state: 'active', resting: true }));
    assert.deepEqual(store.actors.resumable(), ['busy', 'fresh']);
    assert.equal(store.actors.restingCount(), 1);
    store.actors.commit(transition('idle', { state: 'suspending', resting: false }));
    assert.deepEqual(store.actors.resumable(), ['busy', 'idle', 'fresh']);
    assert.equal(store.actors.restingCount(), 0);
  });

  test('resumable(version) also lists services at rest written by another machine version', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('old'), policy(), 1);
    store.services.create(newService('new'), policy(), 2);
    store.actors.commit(transition('old', { state: 'active', resting: true, machineVersion: 1 }));
    store.actors.commit(transition('new', { state: 'active', resting: true, machineVersion: 2 }));
    assert.deepEqual(store.actors.resumable(2), ['old']);
    assert.deepEqual(store.actors.resumable(), []);
  });

  test('rest() flags a stored snapshot, never a final one', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.services.create(newService('gone'), policy(), 2);
    store.actors.commit(transition('a', { state: 'active' }));
    store.actors.commit(transition('gone', { state: 'deleted', final: true }));
    store.actors.rest('a');
    store.actors.rest('gone');
    assert.deepEqual(store.actors.resumable(), []);
    assert.equal(store.actors.restingCount(), 1);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/persistence/types.js';
import { newService, policy, tempStore, transition } from './helpers.js';

/** Services a and b with alternating transitions; seq n is event `e{n}` at time 100 + n. */
function seeded(store: Store, count: number): void {
  store.services.create(newService('a'), policy(), 1);
  store.services.create(newService('b'), policy(), 1);
  for (let n = 1; n <= count; n++) store.actors.commit(transition(n % 2 === 1 ? 'a' : 'b', { event: `e${n}`, at: 100 + n }));
}

describe('transitions.after(), recent() and lastSeq()', () => {
  test('lastSeq() is 0 before anything was committed', (t) => {
    const { store } = tempStore(t);
    assert.equal(store.transitions.lastSeq(), 0);
  });

  test('after() pages through the whole log in seq order', (t) => {
    const { store } = tempStore(t);
    seeded(store, 6);
    assert.deepEqual(store.transitions.after(0, { limit: 4 }).map((row) => row.seq), [1, 2, 3, 4]);
    assert.deepEqual(store.transitions.after(4, { limit: 4 }).map((row) => row.seq), [5, 6]);
    assert.deepEqual(store.transitions.after(6, { limit: 4 }), []);
  });

  test('after() with a service id returns only that service, still in seq order', (t) => {
    const { store } = tempStore(t);
    seeded(store, 6);
    assert.deepEqual(store.transitions.after(1, { serviceId: 'a', limit: 10 }).map((row) => row.seq), [3, 5]);
  });

  test('recent() returns the newest transitions of a service, oldest first', (t) => {
    const { store } = tempStore(t);
    seeded(store, 8);
    assert.deepEqual(store.transitions.recent('b', 3).map((row) => row.event), ['e4', 'e6', 'e8']);
    assert.deepEqual(store.transitions.recent('nobody', 3), []);
  });

  test('a row carries what was committed, with the error as one object or null', (t) => {
    const { store } = tempStore(t);
    store.services.create(newService('a'), policy(), 1);
    store.actors.commit(transition('a'));
    const failure = { code: 'EFFECT_UNAVAILABLE', message: 'proxmox did not answer' };
    store.actors.commit(transition('a', { from: 'provisioning.container.creating', to: 'compensating', event: 'error', step: 'compensating', error: failure, at: 7 }));
    assert.deepEqual(store.transitions.after(0, { limit: 10 }), [
      { seq: 1, serviceId: 'a', from: 'pending', to: 'allocating', event: 'service.created', step: null, error: null, at: 1_000 },
      { seq: 2, serviceId: 'a', from: 'provisioning.container.creating', to: 'compensating', event: 'error', step: 'compensating', error: failure, at: 7 },
    ]);
  });
});

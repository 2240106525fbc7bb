import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tempStore } from './helpers.js';

const create = (serviceId: string) => JSON.stringify({ type: 'create', serviceId });

describe('the webhook inbox', () => {
  test('a delivery with a new key is recorded; the same key again returns the first entry as a duplicate', (t) => {
    const { store } = tempStore(t);
    const first = store.inbox.accept({ idempotencyKey: 'evt-1', serviceId: '1', command: create('1') }, 10);
    const again = store.inbox.accept({ idempotencyKey: 'evt-1', serviceId: '1', command: '{"changed":true}' }, 20);
    assert.equal(first.duplicate, false);
    assert.deepEqual(first.entry, { id: 1, idempotencyKey: 'evt-1', command: create('1'), serviceId: '1', receivedAt: 10, completedAt: null, outcome: null });
    assert.deepEqual(again, { entry: first.entry, duplicate: true });
    assert.equal(store.inbox.incomplete().length, 1);
  });

  test('a duplicate of a completed delivery carries the first outcome', (t) => {
    const { store } = tempStore(t);
    const { entry } = store.inbox.accept({ idempotencyKey: 'evt-1', serviceId: '1', command: create('1') }, 10);
    store.inbox.complete(entry.id, '{"status":202}', 15);
    store.inbox.complete(entry.id, '{"status":500}', 16);
    const again = store.inbox.accept({ idempotencyKey: 'evt-1', serviceId: '1', command: create('1') }, 20);
    assert.deepEqual([again.duplicate, again.entry.outcome, again.entry.completedAt], [true, '{"status":202}', 15]);
  });

  test('deliveries without a key are always recorded', (t) => {
    const { store } = tempStore(t);
    const ids = [1, 2, 3].map((n) => store.inbox.accept({ idempotencyKey: null, serviceId: '1', command: create('1') }, n));
    assert.deepEqual(ids.map(({ entry, duplicate }) => [entry.id, duplicate]), [[1, false], [2, false], [3, false]]);
  });

  test('incomplete() lists the deliveries accepted but not completed, oldest first', (t) => {
    const { store } = tempStore(t);
    const [a, b, c] = ['k1', 'k2', 'k3'].map((key, n) => store.inbox.accept({ idempotencyKey: key, serviceId: key, command: create(key) }, n).entry);
    assert.ok(a && b && c);
    store.inbox.complete(b.id, '{}', 10);
    assert.deepEqual(store.inbox.incomplete(), [a, c]);
  });
});

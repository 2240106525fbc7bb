import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { openDatabase } from '../../src/persistence/database.js';
import type { Store } from '../../src/persistence/types.js';
import { newService, policy, tempStore } from './helpers.js';

function withServices(store: Store, ...ids: string[]): void {
  for (const id of ids) store.services.create(newService(id), policy(), 1);
}

const pending = { state: 'verifying', verificationToken: 'token-1' };

describe('domains', () => {
  test('upsert() adds a domain, then updates the same live row', (t) => {
    const { store } = tempStore(t);
    withServices(store, 'a');
    const added = store.domains.upsert({ serviceId: 'a', domain: 'shop.example', ...pending }, 10);
    const updated = store.domains.upsert({ serviceId: 'a', domain: 'shop.example', state: 'active', verificationToken: 'token-1' }, 20);
    assert.deepEqual(added, { serviceId: 'a', domain: 'shop.example', ...pending, createdAt: 10, updatedAt: 10, removedAt: null });
    assert.deepEqual(updated, { ...added, state: 'active', updatedAt: 20 });
    assert.deepEqual(store.domains.list('a'), [updated]);
  });

  test('owner() names the live owner, and nobody once the domain is removed', (t) => {
    const { store } = tempStore(t);
    withServices(store, 'a');
    store.domains.upsert({ serviceId: 'a', domain: 'shop.example', ...pending }, 10);
    assert.equal(store.domains.owner('shop.example'), 'a');
    assert.equal(store.domains.owner('SHOP.example'), 'a');
    store.domains.markRemoved('a', 'shop.example', 30);
    store.domains.markRemoved('a', 'shop.example', 40);
    assert.equal(store.domains.owner('shop.example'), undefined);
    assert.deepEqual(store.domains.list('a').map((d) => [d.removedAt, d.updatedAt]), [[30, 30]]);
  });

  test('a domain live on one service cannot be attached to another, whatever its case', (t) => {
    const { store } = tempStore(t);
    withServices(store, 'a', 'b');
    store.domains.upsert({ serviceId: 'a', domain: 'shop.example', ...pending }, 10);
    assert.throws(
      () => store.domains.upsert({ serviceId: 'b', domain: 'Shop.Example', ...pending }, 20),
      (error: unknown) => error instanceof AppError && error.code === 'DOMAIN_TAKEN',
    );
    assert.deepEqual(store.domains.list('b'), []);
  });

  test('the database itself rejects a second live row for a domain', (t) => {
    const { store, path } = tempStore(t);
    withServices(store, 'a', 'b');
    store.domains.upsert({ serviceId: 'a', domain: 'shop.example', ...pending }, 10);
    const raw = openDatabase(path);
    t.after(() => raw.close());
    const insert = raw.prepare(
      "INSERT INTO domains (service_id, domain, state, verification_token, created_at, updated_at) VALUES ('b', 'shop.example', 'verifying', 't', 1, 1)",
    );
    assert.throws(() => insert.run(), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  });

  test('a removed domain can be attached again, the removed row staying as history', (t) => {
    const { store } = tempStore(t);
    withServices(store, 'a', 'b');
    store.domains.upsert({ serviceId: 'a', domain: 'shop.example', ...pending }, 10);
    store.domains.markRemoved('a', 'shop.example', 20);
    const again = store.domains.upsert({ serviceId: 'b', domain: 'shop.example', ...pending }, 30);
    assert.equal(again.createdAt, 30);
    assert.equal(store.domains.owner('shop.example'), 'b');
    assert.deepEqual(store.domains.list('a').map((d) => d.removedAt), [20]);
  });
});

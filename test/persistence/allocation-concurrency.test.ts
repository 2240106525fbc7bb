import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { openStore } from '../../src/persistence/store.js';
import type { ServiceRecord, Store } from '../../src/persistence/types.js';
import { newService, policy, tempDbPath } from './helpers.js';

const CHILD = fileURLToPath(new URL('./create-services.child.ts', import.meta.url));

function assertDistinctAllocations(records: readonly ServiceRecord[]): void {
  for (const field of ['privateIp', 'vmid', 'subdomain'] as const) {
    assert.equal(new Set(records.map((record) => record[field])).size, records.length, `duplicate ${field}`);
  }
}

function everyService(store: Store): ServiceRecord[] {
  return store.services.list({ limit: 10_000 });
}

describe('allocation under concurrency', () => {
  test('two stores on one file creating services in turn never hand out the same IP, VMID or subdomain', (t) => {
    const path = tempDbPath();
    const stores = [openStore(path), openStore(path)];
    t.after(() => stores.forEach((store) => store.close()));
    for (let i = 0; i < 60; i++) {
      const store = stores[i % 2];
      assert.ok(store);
      store.services.create(newService(`turn-${i}`, { email: 'shared@example.com' }), policy({ random: Math.random }), i);
    }
    const records = everyService(stores[0] ?? assert.fail());
    assert.equal(records.length, 60);
    assertDistinctAllocations(records);
  });

  test('processes creating services at the same moment never hand out the same IP, VMID or subdomain', async (t) => {
    const path = tempDbPath();
    openStore(path).close();
    const perChild = 60;
    const children = ['a', 'b', 'c', 'd'].map((prefix) =>
      spawn(process.execPath, ['--import', 'tsx', CHILD, path, prefix, String(perChild)], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    t.after(() => children.forEach((child) => child.exitCode === null && child.kill()));
    // A barrier: every process has opened the file before any of them starts writing.
    await Promise.all(children.map((child) => once(child.stdout, 'data')));
    for (const child of children) child.stdin.write('go\n');
    const codes = await Promise.all(children.map(async (child) => (await once(child, 'exit'))[0]));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const store = openStore(path);
    t.after(() => store.close());
    const records = everyService(store);
    assert.equal(records.length, children.length * perChild);
    assertDistinctAllocations(records);
  });
});

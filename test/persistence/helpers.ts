/** Shared fixtures for the persistence tests: real SQLite files in a fresh temp directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { TestContext } from 'node:test';
import { seededRandom } from '../support/seeded-random.js';
import { openStore } from '../../src/persistence/store.js';
import type { AllocationPolicy, NewService, Store, TransitionCommit } from '../../src/persistence/types.js';

// One directory per test file, removed after all its tests: a test's own `after` hooks run
// first-registered-first, so a per-test directory would go before the connections into it close.
const root = mkdtempSync(join(tmpdir(), 'provisiond-persistence-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A database path of its own, in the test file's temp directory. */
export function tempDbPath(): string {
  return join(mkdtempSync(join(root, 'db-')), 'provisiond.db');
}

/** A migrated store on a fresh file, closed before its directory is removed. */
export function tempStore(t: TestContext): { store: Store; path: string } {
  const path = tempDbPath();
  const store = openStore(path);
  t.after(() => store.close());
  return { store, path };
}

export { seededRandom } from '../support/seeded-random.js';

export function policy(overrides: Partial<AllocationPolicy> = {}): AllocationPolicy {
  return {
    ipPool: { first: '127.0.1.100', last: '127.0.1.250' },
    vmidRange: { first: 900, last: 999 },
    reservedSubdomains: ['www', 'mail', 'admin'],
    random: seededRandom(42),
    ...overrides,
  };
}

export function newService(serviceId: string, overrides: Partial<NewService> = {}): NewService {
  return { serviceId, email: `customer${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10', domainQuota: 3, ...overrides };
}

export function transition(serviceId: string, overrides: Partial<TransitionCommit> = {}): TransitionCommit {
  return {
    serviceId,
    machineVersion: 1,
    snapshot: JSON.stringify({ value: 'allocating' }),
    final: false,
    state: 'allocating',
    step: null,
    from: 'pending',
    to: 'allocating',
    event: 'service.created',
    error: null,
    at: 1_000,
    ...overrides,
  };
}

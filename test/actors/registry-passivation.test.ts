/**
 * Passivation: a service at rest loses its actor (after `passivateAfterMs`, or at boot) and is
 * woken from its committed snapshot by its next command, with nothing lost — views, the
 * transition log's continuity, custom domains in flight.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { createServiceRegistry, type ActorRegistry } from '../../src/actors/service-registry.js';
import type { DomainEffectFunctions } from '../../src/actors/effect-actors.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { openStore } from '../../src/persistence/store.js';
import type { Store } from '../../src/persistence/types.js';
import { succeedingDomainEffects, succeedingEffects, TEST_POOL, waitFor } from '../support/stack.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Stack {
  readonly dir: string;
  readonly store: Store;
  readonly registry: ActorRegistry;
  stop(): void;
}

function stack(options: { dir?: string; passivateAfterMs?: number; boot?: boolean; domain?: DomainEffectFunctions } = {}): Stack {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'provisiond-passivation-'));
  if (options.dir === undefined) dirs.push(dir);
  const store = openStore(join(dir, 'provisiond.db'));
  const registry = createServiceRegistry({
    store,
    plans: DEFAULT_PLANS,
    allocation: TEST_POOL,
    baseDomain: 'sites.test',
    logger: pino({ level: 'silent' }),
    effects: { service: succeedingEffects(), domain: options.domain ?? succeedingDomainEffects() },
    ...(options.passivateAfterMs === undefined ? {} : { passivateAfterMs: options.passivateAfterMs }),
  });
  if (options.boot ?? true) registry.boot();
  return { dir, store, registry, stop: () => { registry.shutdown(); store.close(); } };
}

const create = (serviceId: string) => ({ type: 'create' as const, serviceId, email: `owner${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10' });

/** Each service's transitions continue from the state its previous row reached. */
function assertChained(store: Store): void {
  const last = new Map<string, string>();
  for (const row of store.transitions.after(0, { limit: 10_000 })) {
    assert.equal(row.from, last.get(row.serviceId) ?? null, `service ${row.serviceId} continues from its last committed state`);
    last.set(row.serviceId, row.to);
  }
}

describe('passivation of services at rest', () => {
  it('stops the actor of a service at rest, keeps its view, and wakes it on the next command', async () => {
    const s = stack({ passivateAfterMs: 10 });
    try {
      s.registry.execute(create('1'));
      await waitFor(() => s.registry.get('1')?.state === 'active' && s.registry.size === 0, 5_000, 'active, then passivated');
      const view = s.registry.get('1');
      assert.equal(view?.healthy, true, 'a passivated active service is healthy, as its actor would say');
      assert.equal(view?.busy, false);
      assert.equal(s.registry.list({ limit: 10 })[0]?.state, 'active');

      const suspended = s.registry.execute({ type: 'suspend', serviceId: '1' });
      assert.equal(suspended.service.state, 'suspending', 'the command woke the actor and was applied');
      await waitFor(() => s.registry.get('1')?.state === 'suspended' && s.registry.size === 0, 5_000, 'suspended, then passivated again');
      s.registry.execute({ type: 'unsuspend', serviceId: '1' });
      await waitFor(() => s.registry.get('1')?.state === 'active', 5_000, 'active again');
      assert.throws(() => s.registry.execute({ type: 'retry', serviceId: '1' }), { code: 'STATE_CONFLICT' });
      assertChained(s.store);
    } finally {
      s.stop();
    }
  });

  it('restores no actor at boot for services at rest, and each still answers commands', async () => {
    const first = stack();
    for (const id of ['1', '2', '3']) first.registry.execute(create(id));
    await waitFor(() => ['1', '2', '3'].every((id) => first.registry.get(id)?.state === 'active'), 5_000, 'all active');
    first.registry.execute({ type: 'suspend', serviceId: '2' });
    await waitFor(() => first.registry.get('2')?.state === 'suspended', 5_000, 'suspended');
    const seq = first.store.transitions.lastSeq();
    first.stop();

    const second = stack({ dir: first.dir, boot: false });
    try {
      const report = second.registry.boot();
      assert.deepEqual([report.restored, report.started, report.resting], [0, 0, 3]);
      assert.equal(second.registry.size, 0);
      assert.deepEqual(['1', '2', '3'].map((id) => second.registry.get(id)?.state), ['active', 'suspended', 'active']);
      assert.equal(second.store.transitions.lastSeq(), seq, 'boot committed nothing');
      second.registry.execute({ type: 'delete', serviceId: '3' });
      await waitFor(() => second.registry.get('3')?.state === 'deleted', 5_000, 'deleted');
      second.registry.execute({ type: 'unsuspend', serviceId: '2' });
      await waitFor(() => second.registry.get('2')?.state === 'active', 5_000, 'resumed');
      assertChained(second.store);
    } finally {
      second.stop();
    }
  });

  it('keeps the actor while a custom domain is being verified, and passivates it once the domain is served', async () => {
    let release: () => void = () => {};
    const proof = new Promise<void>((resolve) => (release = resolve));
    const domain = { ...succeedingDomainEffects(), verifyOwnership: () => proof };
    const s = stack({ passivateAfterMs: 10, domain });
    try {
      s.registry.execute(create('1'));
      await waitFor(() => s.registry.get('1')?.state === 'active' && s.registry.size === 0, 5_000, 'passivated');
      s.registry.execute({ type: 'domain.add', serviceId: '1', domain: 'shop.example.org' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(s.registry.size, 1, 'a domain in verification is work in flight');
      assert.equal(s.registry.get('1')?.domains[0]?.state, 'verifying');
      release();
      await waitFor(() => s.registry.get('1')?.domains[0]?.state === 'active' && s.registry.size === 0, 5_000, 'domain active, then passivated');
      s.registry.execute({ type: 'domain.remove', serviceId: '1', domain: 'shop.example.org' });
      await waitFor(() => s.registry.get('1')?.domains.length === 0, 5_000, 'the woken child removed the domain');
      assertChained(s.store);
    } finally {
      s.stop();
    }
  });

  it('flags at boot a service at rest committed before the flag existed, and skips it from then on', async () => {
    const first = stack();
    first.registry.execute(create('1'));
    await waitFor(() => first.registry.get('1')?.state === 'active', 5_000, 'active');
    first.stop();
    const raw = new Database(join(first.dir, 'provisiond.db'));
    raw.prepare('UPDATE actor_snapshots SET resting = 0').run();
    raw.close();

    const second = stack({ dir: first.dir, boot: false });
    assert.deepEqual([second.registry.boot().resting, second.registry.size], [1, 0]);
    second.stop();
    const third = stack({ dir: first.dir, boot: false });
    try {
      assert.deepEqual(third.store.actors.resumable(), []);
      assert.equal(third.registry.boot().resting, 1);
    } finally {
      third.stop();
    }
  });

  it('refuses at boot, loudly, a service at rest whose snapshot another machine version wrote', async () => {
    const first = stack();
    first.registry.execute(create('1'));
    await waitFor(() => first.registry.get('1')?.state === 'active', 5_000, 'active');
    first.stop();
    const raw = new Database(join(first.dir, 'provisiond.db'));
    raw.prepare('UPDATE actor_snapshots SET machine_version = 999').run();
    raw.close();

    const second = stack({ dir: first.dir, boot: false });
    try {
      const report = second.registry.boot();
      assert.deepEqual(report.refused.map((r) => r.serviceId), ['1']);
      assert.throws(() => second.registry.execute({ type: 'suspend', serviceId: '1' }), { code: 'STATE_CONFLICT' });
      assert.equal(second.registry.size, 0);
    } finally {
      second.stop();
    }
  });
});

/**
 * Figure 2, the cost of durability: one transition persisted through the real path —
 * `store.actors.commit`, as LiveService calls it (snapshot upsert, transition row, service
 * row and plan copy, one IMMEDIATE transaction) — against a bare better-sqlite3 insert of the
 * same bytes (snapshot JSON + the row) in one transaction. Both databases are opened by the
 * production `openDatabase` (WAL, synchronous=NORMAL, foreign keys) on temp files.
 * Rounds alternate between the two so drift in the machine's load hits both alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchOptions, Figure } from './benchmark.js';
import { openDatabase, type Db } from '../src/persistence/database.js';
import { openStore } from '../src/persistence/store.js';
import type { Store, TransitionCommit } from '../src/persistence/types.js';
import { SERVICE_MACHINE_VERSION } from '../src/machines/service.types.js';
import { midProvisioningSnapshot } from './support/service-snapshot.js';
import { median } from './support/stats.js';

const GROUP = '2 durability';
const FULL = { rounds: 60, perRound: 200 } as const;
const QUICK = { rounds: 2, perRound: 50 } as const;
const TARGET_RATIO = 2;
const SERVICE_ID = '12345';

/** The transition LiveService would commit while the installer runs (the registry's shape). */
function changeAt(snapshot: string, at: number): TransitionCommit {
  return {
    serviceId: SERVICE_ID,
    machineVersion: SERVICE_MACHINE_VERSION,
    snapshot,
    final: false,
    state: 'provisioning',
    plan: { name: 'basic', domainQuota: 3 },
    step: 'install',
    from: 'provisioning.building.site.ready.running|provisioning.building.dnsRecord.done|provisioning.building.proxyHost.running',
    to: 'provisioning.building.site.install.running|provisioning.building.dnsRecord.done|provisioning.building.proxyHost.running',
    event: 'xstate.done.actor.awaitReady',
    error: null,
    at,
  };
}

function realStore(dir: string): Store {
  const store = openStore(join(dir, 'provisiond.db'));
  store.services.create(
    { serviceId: SERVICE_ID, email: 'customer@example.com', plan: 'basic', publicIp: '203.0.113.10', domainQuota: 3 },
    { ipPool: { first: '127.66.1.100', last: '127.66.1.253' }, vmidRange: { first: 900, last: 999 }, reservedSubdomains: [], random: () => 0.5 },
    Date.now(),
  );
  return store;
}

/** The floor: two plain INSERTs of the same bytes in one transaction, nothing else. */
function bareInsert(dir: string): { db: Db; write: (change: TransitionCommit) => void } {
  const db = openDatabase(join(dir, 'bare.db'));
  db.exec(`
    CREATE TABLE snapshots (id INTEGER PRIMARY KEY, service_id TEXT NOT NULL, snapshot TEXT NOT NULL);
    CREATE TABLE rows (seq INTEGER PRIMARY KEY, service_id TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL,
      event TEXT NOT NULL, step TEXT, error_code TEXT, error_message TEXT, at INTEGER NOT NULL);`);
  const snapshot = db.prepare<[string, string]>('INSERT INTO snapshots (service_id, snapshot) VALUES (?, ?)');
  const row = db.prepare<[string, string | null, string, string, string | null, string | null, string | null, number]>(
    'INSERT INTO rows (service_id, from_state, to_state, event, step, error_code, error_message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const write = db.transaction((change: TransitionCommit) => {
    snapshot.run(change.serviceId, change.snapshot);
    row.run(change.serviceId, change.from, change.to, change.event, change.step, change.error?.code ?? null, change.error?.message ?? null, change.at);
  });
  return { db, write: (change) => write(change) };
}

/** µs per call of `write` over `count` calls, each with a fresh `at`. */
function timeRound(write: (change: TransitionCommit) => void, snapshot: string, count: number, clock: { at: number }): number {
  const began = process.hrtime.bigint();
  for (let i = 0; i < count; i++) write(changeAt(snapshot, ++clock.at));
  return Number(process.hrtime.bigint() - began) / 1000 / count;
}

async function run({ quick, log }: BenchOptions): Promise<readonly Figure[]> {
  const config = quick ? QUICK : FULL;
  const { json, state } = await midProvisioningSnapshot(SERVICE_ID);
  log(`snapshot: ${Buffer.byteLength(json)} bytes of JSON at ${state}`);
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-durability-'));
  const store = realStore(dir);
  const bare = bareInsert(dir);
  const clock = { at: Date.now() };
  const real = (change: TransitionCommit): void => {
    store.actors.commit(change);
  };
  const realRounds: number[] = [];
  const bareRounds: number[] = [];
  try {
    // Warm-up: statements prepared, pages cached, JIT settled for both paths.
    timeRound(real, json, config.perRound, clock);
    timeRound(bare.write, json, config.perRound, clock);
    for (let round = 0; round < config.rounds; round++) {
      // Alternate which goes first, so neither always inherits the other's checkpoint.
      const order = round % 2 === 0 ? (['real', 'bare'] as const) : (['bare', 'real'] as const);
      for (const which of order) {
        if (which === 'real') realRounds.push(timeRound(real, json, config.perRound, clock));
        else bareRounds.push(timeRound(bare.write, json, config.perRound, clock));
      }
    }
  } finally {
    store.close();
    bare.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const realUs = median(realRounds);
  const bareUs = median(bareRounds);
  log(`${config.rounds} rounds × ${config.perRound} transitions each; medians of the rounds`);
  return [
    {
      group: GROUP,
      name: 'persist one transition (actors.commit)',
      value: realUs,
      unit: 'µs',
      reference: { name: 'bare insert, same bytes', value: bareUs },
      ratio: realUs / bareUs,
      target: { text: `≤ ${TARGET_RATIO}× bare`, met: realUs <= TARGET_RATIO * bareUs },
    },
    { group: GROUP, name: 'snapshot persisted per transition', value: Buffer.byteLength(json), unit: 'bytes' },
  ];
}

export const benchmark: Benchmark = {
  name: 'durability',
  description: 'one transition through the real persistence path against a bare better-sqlite3 insert of the same bytes',
  run,
};

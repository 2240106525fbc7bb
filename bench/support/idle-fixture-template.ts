/**
 * The template every idle service of figure 5 is cloned from: one real service, run to
 * `active` by the real registry and machine with effect doubles that succeed at once, then
 * read back exactly as the daemon persisted it (its rows in every table that names it).
 * Nothing here is hand-written JSON: a change to the machine or the schema changes the
 * fixture with it.
 */
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { createServiceRegistry } from '../../src/actors/service-registry.js';
import type { ServiceEffectFunctions } from '../../src/actors/effect-actors.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { openStore } from '../../src/persistence/store.js';

/** One table row, column name → value, as SQLite returns it. */
export type Row = Record<string, unknown>;

export interface TemplateService {
  readonly serviceId: string;
  readonly email: string;
  readonly subdomain: string;
  readonly privateIp: string;
  readonly vmid: number;
  /** The rows of the template service, per table, in insertion order. */
  readonly rows: {
    readonly services: Row;
    readonly allocations: Row;
    readonly actor_snapshots: Row;
    readonly transitions: readonly Row[];
  };
}

const TEMPLATE_ID = 'idle-template';
const TEMPLATE_EMAIL = 'idletemplate@example.com';

/** Every service effect succeeding at once, as a zero-latency infrastructure would. */
function instantEffects(): ServiceEffectFunctions {
  const ok = async (): Promise<void> => undefined;
  return {
    createContainer: async () => ({ node: 'pve1' }),
    registerHa: ok, awaitReady: ok, installWordPress: ok, verifyInstall: ok, createDnsRecord: ok, createProxyHost: ok,
    checkLive: ok, takeSnapshot: ok, shutdownContainer: ok, stopContainer: ok, startContainer: ok, removeHa: ok,
    deleteSnapshots: ok, destroyContainer: ok, deleteDnsRecord: ok, deleteProxyHost: ok, purgeDomains: ok,
    reinstallWordPress: ok, restoreSnapshot: ok, resizeContainer: ok,
  };
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('the template service did not reach active in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Run one service to `active` in the database at `path` and read its rows back. */
export async function makeTemplate(path: string, baseDomain: string): Promise<TemplateService> {
  const store = openStore(path);
  const registry = createServiceRegistry({
    store,
    plans: DEFAULT_PLANS,
    allocation: { ipPool: { first: '127.63.0.1', last: '127.63.0.9' }, vmidRange: { first: 99_000, last: 99_009 }, reservedSubdomains: [], random: Math.random },
    baseDomain,
    logger: pino({ level: 'silent' }),
    effects: { service: instantEffects() },
  });
  try {
    registry.boot();
    registry.execute({ type: 'create', serviceId: TEMPLATE_ID, email: TEMPLATE_EMAIL, plan: 'basic', publicIp: '203.0.113.10' });
    await until(() => registry.get(TEMPLATE_ID)?.state === 'active', 10_000);
  } finally {
    registry.shutdown();
    store.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    const one = (table: string): Row => {
      const row = db.prepare(`SELECT * FROM ${table} WHERE service_id = ?`).get(TEMPLATE_ID) as Row | undefined;
      if (row === undefined) throw new Error(`the template service has no ${table} row`);
      return row;
    };
    const services = one('services');
    const allocations = one('allocations');
    const transitions = db.prepare('SELECT * FROM transitions WHERE service_id = ? ORDER BY seq').all(TEMPLATE_ID) as Row[];
    return {
      serviceId: TEMPLATE_ID,
      email: TEMPLATE_EMAIL,
      subdomain: String(services.subdomain),
      privateIp: String(services.private_ip),
      vmid: Number(services.vmid),
      rows: { services, allocations, actor_snapshots: one('actor_snapshots'), transitions },
    };
  } finally {
    db.close();
  }
}

/**
 * A real provisiond stack for tests: SQLite in a temp directory, the real registry and
 * machines, and effects supplied through the production seam (RegistryOptions.effects).
 * Nothing is mocked; effects are plain functions a test chooses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BuildPacerOptions } from '../../src/actors/build-pacer.js';
import { createServiceRegistry, type ActorRegistry } from '../../src/actors/service-registry.js';
import type { DomainEffectFunctions, ServiceEffectFunctions } from '../../src/actors/effect-actors.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { openStore } from '../../src/persistence/store.js';
import type { AllocationPolicy, Store } from '../../src/persistence/types.js';

/** Loopback addresses only: tests never hand out a real private range. */
export const TEST_POOL: AllocationPolicy = {
  ipPool: { first: '127.0.10.100', last: '127.0.10.253' },
  vmidRange: { first: 9000, last: 9999 },
  reservedSubdomains: ['www', 'mail', 'admin'],
  random: Math.random,
};

/** Every infrastructure effect succeeding at once (createContainer reports node1). */
export function succeedingEffects(): ServiceEffectFunctions {
  const ok = async (): Promise<void> => undefined;
  return {
    createContainer: async () => ({ node: 'node1' }),
    registerHa: ok,
    awaitReady: ok,
    installWordPress: ok,
    verifyInstall: ok,
    createDnsRecord: ok,
    createProxyHost: ok,
    checkLive: ok,
    takeSnapshot: ok,
    shutdownContainer: ok,
    stopContainer: ok,
    startContainer: ok,
    removeHa: ok,
    deleteSnapshots: ok,
    destroyContainer: ok,
    deleteDnsRecord: ok,
    deleteProxyHost: ok,
    purgeDomains: ok,
    reinstallWordPress: ok,
    restoreSnapshot: ok,
    resizeContainer: ok,
  };
}

export function succeedingDomainEffects(): DomainEffectFunctions {
  const ok = async (): Promise<void> => undefined;
  return { verifyOwnership: ok, createDnsZone: ok, issueCertificate: ok, createDomainProxyHost: ok, removeDomain: ok };
}

export interface TestStack {
  readonly dir: string;
  readonly dbPath: string;
  readonly store: Store;
  readonly registry: ActorRegistry;
  /** Stop the registry and close the database, keeping the files (a restart can follow). */
  stop(): void;
  /** stop() and delete the temp directory. */
  close(): void;
}

export interface StackOptions {
  /** Reuse a directory (to restart on the same database). */
  readonly dir?: string;
  readonly effects?: ServiceEffectFunctions;
  readonly domainEffects?: DomainEffectFunctions;
  readonly pool?: Partial<AllocationPolicy>;
  readonly boot?: boolean;
  /** What Proxmox says of an allocated VMID (default: the database's word is taken). */
  readonly vmidFree?: (input: { readonly serviceId: string; readonly vmid: number }) => Promise<boolean>;
  /** How effects yield to arriving commands (default: the daemon's). */
  readonly pacing?: BuildPacerOptions;
}

export function createTestStack(options: StackOptions = {}): TestStack {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'provisiond-test-'));
  const dbPath = join(dir, 'provisiond.db');
  const store = openStore(dbPath);
  const registry = createServiceRegistry({
    store,
    plans: DEFAULT_PLANS,
    allocation: { ...TEST_POOL, ...options.pool },
    baseDomain: 'sites.test',
    logger: pino({ level: 'silent' }),
    effects: {
      service: options.effects ?? succeedingEffects(),
      domain: options.domainEffects ?? succeedingDomainEffects(),
      ...(options.vmidFree === undefined ? {} : { vmidFree: options.vmidFree }),
    },
    ...(options.pacing === undefined ? {} : { pacing: options.pacing }),
  });
  if (options.boot ?? true) registry.boot();
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    registry.shutdown();
    store.close();
  };
  return { dir, dbPath, store, registry, stop, close: () => { stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Wait until `predicate` holds, polling the event loop; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

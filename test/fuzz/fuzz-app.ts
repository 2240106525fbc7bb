/**
 * The app under fuzz: the server harness (real registry, temp SQLite) with rate limiting off
 * (thousands of requests from one address are the point here), a few services seeded in each
 * settled state, a read-only view of the database to prove rejected requests changed nothing,
 * and `quiesce()` to let accepted commands finish before the next case compares digests.
 */
import { AppError } from '../../src/errors.js';
import type { ServiceView } from '../../src/actors/registry.types.js';
import { createHarness, type Harness } from '../server/harness.js';
import { succeedingEffects } from '../support/stack.js';
import { DbReader, type DbDigest } from './db-digest.js';

/** Seeded services, one per settled state; `PAYMENTER_ID` is an integer id as Paymenter sends. */
export const SEEDED = { active: 's-active', suspended: 's-suspended', deleted: 's-deleted', failed: 's-failed' } as const;
export const PAYMENTER_ID = 4242;
export const SEEDED_DOMAIN = 'shop.example.com';
export const SEEDED_IDS: readonly string[] = [...Object.values(SEEDED), String(PAYMENTER_ID)];

export interface FuzzApp {
  readonly harness: Harness;
  digest(): DbDigest;
  /** Wait until no service has work in flight and the database stops changing. */
  quiesce(): Promise<void>;
  close(): Promise<void>;
}

/** Polls every millisecond (the fuzz loop waits here after each accepted command); fails after `timeoutMs`. */
async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function allServices(harness: Harness): ServiceView[] {
  const all: ServiceView[] = [];
  for (let after: string | undefined; ; ) {
    const page = harness.stack.registry.list({ limit: 500, ...(after === undefined ? {} : { after }) });
    all.push(...page);
    if (page.length < 500) return all;
    after = page[page.length - 1]?.serviceId;
  }
}

export async function createFuzzApp(): Promise<FuzzApp> {
  const effects = succeedingEffects();
  const harness = createHarness({
    stack: {
      effects: {
        ...effects,
        // One seeded service fails for good, so `failed` (and its 502 on create-site?wait) exists.
        installWordPress: async (input) => {
          if (input.serviceId === SEEDED.failed) throw new AppError('INSTALL_FAILED', 'injected: the installer failed', { retryable: false });
        },
      },
    },
    app: { rateLimit: false, system: () => ({ mode: 'sandbox (in-process)', queues: {}, liveServices: harness.stack.registry.size }) },
  });
  const { registry } = harness.stack;
  const create = (serviceId: string) =>
    registry.execute({ type: 'create', serviceId, email: `owner-${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10' });
  const settledIn = (expected: Readonly<Record<string, string>>) =>
    waitUntil(
      () => Object.entries(expected).every(([id, state]) => registry.get(id)?.state === state && registry.get(id)?.busy === false),
      5_000,
      `seeded services to settle in ${JSON.stringify(expected)}`,
    );
  for (const id of SEEDED_IDS) create(id);
  await settledIn({ [SEEDED.active]: 'active', [SEEDED.suspended]: 'active', [SEEDED.deleted]: 'active', [SEEDED.failed]: 'failed', [PAYMENTER_ID]: 'active' });
  registry.execute({ type: 'domain.add', serviceId: SEEDED.active, domain: SEEDED_DOMAIN });
  registry.execute({ type: 'suspend', serviceId: SEEDED.suspended });
  registry.execute({ type: 'delete', serviceId: SEEDED.deleted });
  await settledIn({ [SEEDED.suspended]: 'suspended', [SEEDED.deleted]: 'deleted' });
  await waitUntil(() => registry.get(SEEDED.active)?.domains[0]?.state === 'active', 5_000, `${SEEDED_DOMAIN} to become active`);

  const reader = new DbReader(harness.stack.dbPath);
  const app: FuzzApp = {
    harness,
    digest: () => reader.digest(),
    async quiesce() {
      let previous = '';
      let stableFor = 0;
      await waitUntil(
        () => {
          const now = JSON.stringify(reader.digest().tables);
          stableFor = now === previous ? stableFor + 1 : 0;
          previous = now;
          return stableFor >= 2 && !allServices(harness).some((service) => service.busy);
        },
        10_000,
        'the registry to settle',
      );
    },
    async close() {
      reader.close();
      await harness.close();
    },
  };
  await app.quiesce();
  return app;
}

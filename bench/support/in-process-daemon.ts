/**
 * The daemon's real parts in one process — registry, machines, SQLite on a temp file,
 * infrastructure effects and the HTTP app — driving an in-process sandbox on loopback.
 * What src/main.ts composes, minus the listening socket (requests go through `app.inject`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createServiceRegistry, type ActorRegistry } from '../../src/actors/service-registry.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { resolveConfig } from '../../src/effects/proxmox/proxmox-config.js';
import { buildInfrastructure, settingsFromSandbox, type Infrastructure } from '../../src/infrastructure.js';
import { openStore } from '../../src/persistence/store.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { buildApp } from '../../src/server/app.js';

export const BENCH_API_TOKEN = 'bench-api-token-0123456789abcdef';

export interface InProcessDaemon {
  readonly sandbox: Sandbox;
  readonly registry: ActorRegistry;
  readonly app: ReturnType<typeof buildApp>;
  /** The Proxmox poll interval in use, wall-clock ms. */
  readonly pollIntervalMs: number;
  close(): Promise<void>;
}

export interface DaemonOptions {
  /** Wall-clock seconds per model second of the sandbox's timing table. */
  readonly timeScale: number;
  /** First octets of a /24 the sandbox's containers get, distinct from the tests' ranges. */
  readonly privateNet?: string;
}

/**
 * The production poll interval (Proxmox config default) expressed in model time: a real daemon
 * polls a 45 s create every second, so at scale s the sandbox's daemon polls every s seconds.
 */
function scaledPollInterval(settings: ReturnType<typeof settingsFromSandbox>, timeScale: number): number {
  const productionMs = resolveConfig({ ...settings.proxmox, pollIntervalMs: undefined }).pollIntervalMs;
  return Math.max(1, productionMs * timeScale);
}

export async function startInProcessDaemon(options: DaemonOptions): Promise<InProcessDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-'));
  const net = options.privateNet ?? '127.44.0';
  const sandbox = await createSandbox({
    timeScale: options.timeScale,
    // A site port of its own: tests and other benchmarks may run sandboxes at the same time.
    sitePort: 20_000 + Math.floor(Math.random() * 20_000),
    privateIps: { first: `${net}.10`, last: `${net}.250` },
  });
  const store = openStore(join(dir, 'provisiond.db'));
  const fromSandbox = settingsFromSandbox(sandbox.connection);
  const pollIntervalMs = scaledPollInterval(fromSandbox, options.timeScale);
  const infrastructure: Infrastructure = buildInfrastructure(
    { ...fromSandbox, proxmox: { ...fromSandbox.proxmox, pollIntervalMs } },
    // Output only comes once a service runs, after the registry below exists.
    { onOutput: (serviceId, line) => registry.appendLog(serviceId, line) },
  );
  const registry: ActorRegistry = createServiceRegistry({
    store,
    plans: DEFAULT_PLANS,
    allocation: { ipPool: sandbox.connection.pools.privateIps, vmidRange: { first: 5000, last: 5999 }, reservedSubdomains: [], random: Math.random },
    baseDomain: sandbox.connection.baseDomain,
    logger: pino({ level: 'silent' }),
    effects: { service: infrastructure.service, domain: infrastructure.domain, vmidFree: infrastructure.vmidFree },
  });
  registry.boot();
  const app = buildApp({ registry, apiToken: BENCH_API_TOKEN, plans: DEFAULT_PLANS.map((plan) => plan.name), readContainer: infrastructure.readContainer });
  await app.ready();
  return {
    sandbox,
    registry,
    app,
    pollIntervalMs,
    close: async () => {
      await app.close();
      registry.shutdown();
      await infrastructure.close();
      store.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

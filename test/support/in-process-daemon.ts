/**
 * The daemon's real parts in one process — registry, machines, SQLite on a temp file,
 * infrastructure effects and the HTTP app — driving an in-process sandbox on loopback.
 * What src/main.ts composes, minus the listening socket: callers inject requests, or listen
 * themselves. Tests and benchmarks alike build it here, each with its own pools and token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createServiceRegistry, type ActorRegistry } from '../../src/actors/service-registry.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { resolveConfig } from '../../src/effects/proxmox/proxmox-config.js';
import { buildInfrastructure, settingsFromSandbox, type Infrastructure, type InfrastructureSettings } from '../../src/infrastructure.js';
import type { Metrics } from '../../src/metrics/metrics.js';
import { Readiness } from '../../src/metrics/readiness.js';
import { servicesInFlight } from '../../src/metrics/services-in-flight.js';
import { openStore } from '../../src/persistence/store.js';
import type { Store } from '../../src/persistence/types.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { buildApp } from '../../src/server/app.js';

export interface InProcessDaemon {
  readonly sandbox: Sandbox;
  /** The daemon's database, for what a test checks behind the API. */
  readonly store: Store;
  readonly registry: ActorRegistry;
  /** Ready, not listening: `app.inject`, or `app.listen` on loopback. */
  readonly app: ReturnType<typeof buildApp>;
  /** The Proxmox poll interval in use, wall-clock ms. */
  readonly pollIntervalMs: number;
  close(): Promise<void>;
}

export interface InProcessDaemonOptions {
  /** Wall-clock seconds per model second of the sandbox's timing table. */
  readonly timeScale: number;
  /** The sandbox's loopback pool: one no other file uses, as test files run side by side. */
  readonly privateIps: { readonly first: string; readonly last: string };
  /** Likewise a VMID range of the caller's own. */
  readonly vmids: { readonly first: number; readonly last: number };
  readonly apiToken: string;
  /**
   * Poll Proxmox as often in model time as production does in real time (a benchmark's
   * critical path); otherwise the effects' wall-clock default.
   */
  readonly scaledPolling?: boolean;
  /** The ownership token the registry hands each new service; random when absent. */
  readonly newToken?: () => string;
  /** Observe effects and transitions and serve GET /metrics and /readyz, as main.ts does. */
  readonly metrics?: Metrics;
}

/**
 * The production poll interval (Proxmox config default) expressed in model time: a real daemon
 * polls a 45 s create every second, so at scale s the sandbox's daemon polls every s seconds.
 */
function scaledPollInterval(settings: InfrastructureSettings, timeScale: number): number {
  const productionMs = resolveConfig({ ...settings.proxmox, pollIntervalMs: undefined }).pollIntervalMs;
  return Math.max(1, productionMs * timeScale);
}

function effectSettings(sandbox: Sandbox, options: InProcessDaemonOptions): InfrastructureSettings {
  const fromSandbox = settingsFromSandbox(sandbox.connection);
  if (options.scaledPolling !== true) return fromSandbox;
  return { ...fromSandbox, proxmox: { ...fromSandbox.proxmox, pollIntervalMs: scaledPollInterval(fromSandbox, options.timeScale) } };
}

export async function startInProcessDaemon(options: InProcessDaemonOptions): Promise<InProcessDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-in-process-'));
  const { metrics } = options;
  const sandbox = await createSandbox({
    timeScale: options.timeScale,
    // A site port of its own: tests and benchmarks may run sandboxes at the same time.
    sitePort: 20_000 + Math.floor(Math.random() * 20_000),
    privateIps: options.privateIps,
  });
  const store = openStore(join(dir, 'provisiond.db'));
  const settings = effectSettings(sandbox, options);
  const infrastructure = buildInfrastructure(settings, {
    // Output only comes once a service runs, after the registry below exists.
    onOutput: (serviceId, line) => registry.appendLog(serviceId, line),
    ...(metrics === undefined ? {} : { observeEffect: metrics.effects }),
  });
  const registry: ActorRegistry = createServiceRegistry({
    store,
    plans: DEFAULT_PLANS,
    allocation: { ipPool: sandbox.connection.pools.privateIps, vmidRange: options.vmids, reservedSubdomains: [], random: Math.random },
    baseDomain: sandbox.connection.baseDomain,
    logger: pino({ level: 'silent' }),
    effects: { service: infrastructure.service, domain: infrastructure.domain, vmidFree: infrastructure.vmidFree },
    ...(options.newToken === undefined ? {} : { newToken: options.newToken }),
  });
  if (metrics !== undefined) registry.onTransition((transition) => metrics.countTransition(transition));
  registry.boot();
  const app = buildApp({
    registry,
    apiToken: options.apiToken,
    plans: DEFAULT_PLANS.map((plan) => plan.name),
    readContainer: infrastructure.readContainer,
    ...(metrics === undefined ? {} : observed(metrics, registry, infrastructure)),
  });
  await app.ready();
  return {
    sandbox,
    store,
    registry,
    app,
    pollIntervalMs: resolveConfig(settings.proxmox).pollIntervalMs,
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

/** The app's metrics and a booted readiness, with the gauges watching this daemon's parts. */
function observed(metrics: Metrics, registry: ActorRegistry, infrastructure: Infrastructure): { metrics: Metrics; readiness: Readiness } {
  metrics.watch({ queues: () => infrastructure.queues(), servicesInFlight: () => servicesInFlight(registry), liveServices: () => registry.size });
  const readiness = new Readiness({ database: () => void registry.lastSeq() });
  readiness.markBooted();
  return { metrics, readiness };
}

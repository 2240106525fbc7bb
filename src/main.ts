/**
 * The composition root: configuration → SQLite → actor registry → HTTP/WebSocket server.
 * The only place that listens on a port; it installs the signal handlers (src/shutdown.ts).
 *
 * Modules only some configurations use are imported when chosen, not at load: the in-process
 * sandbox (every simulator) and the reconciler. Each import at the top is paid by every boot
 * (docs/performance.md §5).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServiceRegistry, type ActorRegistry } from './actors/service-registry.js';
import { loadConfig, type Config } from './config.js';
import { isAppError } from './errors.js';
import { buildInfrastructure, settingsFromConfig, settingsFromSandbox, type InfrastructureSettings } from './infrastructure.js';
import { createLogger, resolveLogFormat, type Logger } from './log.js';
import { observeAll } from './metrics/effect-timing.js';
import { InFlightEffects } from './metrics/in-flight-effects.js';
import { createMetrics } from './metrics/metrics.js';
import { Readiness } from './metrics/readiness.js';
import { servicesInFlight } from './metrics/services-in-flight.js';
import { installShutdown } from './shutdown.js';
import { inspectRequested, startInspector } from './inspect.js';
import { openStore } from './persistence/store.js';
import type { Sandbox, SandboxConnection } from './sandbox/sandbox.js';
import { readSandboxConnection } from './sandbox-connection.js';
import { buildApp } from './server/app.js';

/**
 * The API token: configured, or generated once and kept beside the database (mode 0600) so
 * a newcomer can call the API. The token itself is never logged, only where it is kept.
 */
function resolveApiToken(config: Config, logger: Logger): string {
  if (config.apiToken !== undefined) return config.apiToken;
  const file = join(dirname(config.dbPath), 'api-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    logger.warn({ file }, 'PROVISIOND_API_TOKEN is not set: using the token kept in this file');
    return token;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  logger.warn({ file }, 'PROVISIOND_API_TOKEN is not set: generated a token and wrote it to this file');
  return token;
}

interface Target {
  readonly mode: 'real' | 'sandbox (standalone)' | 'sandbox (in-process)';
  readonly settings: InfrastructureSettings;
  readonly baseDomain: string;
  readonly privateIps: { readonly first: string; readonly last: string };
  readonly sandbox?: Sandbox;
}

/**
 * Where the effects go: the real systems named in the configuration file, or — when it names
 * none — a sandbox: a standalone one (PROVISIOND_SANDBOX) or one started in this process. A
 * sandbox always says so loudly and allocates from its loopback pool.
 */
async function chooseTarget(config: Config, logger: Logger): Promise<Target> {
  if (config.infrastructure !== undefined) {
    const settings = settingsFromConfig(config.infrastructure);
    logger.info({ proxmox: settings.proxmox.url, nodes: settings.proxmox.nodes, npm: settings.npm.url, ispconfig: settings.ispconfig.url }, 'REAL MODE: driving the infrastructure named in the configuration file');
    return { mode: 'real', settings, baseDomain: config.baseDomain, privateIps: config.pools.privateIps };
  }
  const { connection, sandbox } = await connectSandbox(config, logger);
  const common = { settings: settingsFromSandbox(connection), baseDomain: connection.baseDomain, privateIps: connection.pools.privateIps };
  return sandbox === undefined ? { mode: 'sandbox (standalone)', ...common } : { mode: 'sandbox (in-process)', ...common, sandbox };
}

async function connectSandbox(config: Config, logger: Logger): Promise<{ connection: SandboxConnection; sandbox?: Sandbox }> {
  if (config.sandboxFile !== undefined) {
    const connection = readSandboxConnection(config.sandboxFile);
    logger.warn({ file: config.sandboxFile, control: connection.control.url }, 'SANDBOX MODE: using the standalone sandbox described in this file');
    return { connection };
  }
  const { timeScale, sitePort } = config.sandbox;
  const { createSandbox } = await import('./sandbox/sandbox.js');
  const sandbox = await createSandbox({
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(sitePort === undefined ? {} : { sitePort }),
    onSiteError: (err, vmid) => logger.warn({ err, vmid }, 'sandbox site server failed'),
  });
  logger.warn({ addresses: sandbox.addresses }, 'SANDBOX MODE: no infrastructure is configured, so simulators of Proxmox, Cloudflare, Nginx Proxy Manager, ISPConfig, SSH and DNS run in this process on loopback');
  return { connection: sandbox.connection, sandbox };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, format: resolveLogFormat(config.logFormat, process.stdout.isTTY === true) });
  mkdirSync(dirname(config.dbPath), { recursive: true });
  const apiToken = resolveApiToken(config, logger);
  const target = await chooseTarget(config, logger);
  // Checkpoints (and their fsyncs) on a worker thread, never inside a request's commit.
  const store = openStore(config.dbPath, {
    checkpoints: 'background',
    onCheckpointFailure: (reason) => logger.error({ reason }, 'background WAL checkpoints failed; SQLite checkpoints automatically again'),
    onCommitFailure: (err) => logger.error({ err }, 'a group commit of accepted orders failed: they were rolled back and answered 500'),
  });
  let storeOpen = true;
  const metrics = createMetrics();
  const effectsInFlight = new InFlightEffects();
  // The installer's output goes to the service's log. The registry is built just below; no
  // effect runs before registry.boot(), so the closure never meets it uninitialised. Output of
  // an installer still running when shutdown closes the database is dropped.
  const infrastructure = buildInfrastructure(target.settings, {
    onOutput: (serviceId, line) => {
      if (storeOpen) registry.appendLog(serviceId, line);
    },
    observeEffect: observeAll(metrics.effects, effectsInFlight.observer),
  });
  // --inspect (development only): the Stately inspector sees every actor; it warns loudly.
  const inspector = inspectRequested() ? await startInspector({ logger }) : undefined;
  const registry: ActorRegistry = createServiceRegistry({
    store,
    plans: config.plans,
    allocation: {
      ipPool: target.privateIps,
      vmidRange: config.pools.vmids,
      reservedSubdomains: config.pools.reservedSubdomains,
      random: Math.random,
    },
    baseDomain: target.baseDomain,
    domainVerificationWindowMs: config.domainVerificationWindowMs,
    logger,
    effects: { service: infrastructure.service, domain: infrastructure.domain, vmidFree: infrastructure.vmidFree },
    ...(inspector === undefined ? {} : { inspect: inspector.inspect }),
  });
  registry.onTransition((transition) => metrics.countTransition(transition));
  const report = registry.boot();
  logger.info({ ...report, refused: report.refused.length }, 'services restored');
  const readiness = new Readiness({ database: () => void registry.lastSeq() });
  readiness.markBooted();

  // Drift and orphans are looked for periodically; an in-process sandbox has nothing to drift.
  const reconciling = config.reconcile.intervalMinutes === 0 ? undefined : await import('./reconcile-composition.js');
  const reconciler = reconciling?.createReconciler({ settings: target.settings, store, baseDomain: target.baseDomain, logger });
  const reconcileLoop =
    reconciler === undefined ? undefined : reconciling?.startReconcileLoop({ reconciler, intervalMs: config.reconcile.intervalMinutes * 60_000, fix: config.reconcile.fix, logger });

  const system = () => ({ mode: target.mode, queues: infrastructure.queues(), liveServices: registry.size });
  const rateLimit = config.rateLimitPerMinute === 0 ? false : { max: config.rateLimitPerMinute, windowMs: 60_000 };
  metrics.watch({ queues: () => infrastructure.queues(), servicesInFlight: () => servicesInFlight(registry), liveServices: () => registry.size });
  const app = buildApp({
    registry, apiToken, plans: config.plans.map((p) => p.name), logger, system, readContainer: infrastructure.readContainer, rateLimit,
    metrics, metricsPublic: config.metricsPublic, readiness,
  });
  // Before listening: a signal from now on shuts down gracefully.
  installShutdown({
    logger,
    graceMs: config.shutdownGraceSeconds * 1000,
    readiness,
    steps: {
      stopAccepting: () => app.close(),
      stopBackground: async () => {
        await reconcileLoop?.stop();
        await reconciler?.close();
        await inspector?.close();
      },
      stopActors: () => registry.shutdown(),
      effectsSettled: (timeoutMs) => effectsInFlight.settled(timeoutMs),
      effectsInFlight: () => effectsInFlight.count,
      closeClients: () => infrastructure.close(),
      closeDatabase: () => {
        storeOpen = false;
        store.close();
      },
      closeSandbox: async () => target.sandbox?.close(),
    },
  });
  await app.listen({ host: config.host, port: config.port });
  logger.info({ db: config.dbPath, address: app.server.address() }, 'provisiond is listening');
  // The Cloudflare SDK (~1,100 modules) is left out of the boot to be ready sooner; loaded on
  // the first DNS call instead, its evaluation would stall every request around the first
  // provision for a second or more (docs/performance.md §4). Loaded now, while nothing waits.
  setImmediate(() => void import('cloudflare').catch((error: unknown) => logger.warn({ err: error }, 'preloading the Cloudflare SDK failed; it loads on first use')));
}

main().catch((error: unknown) => {
  // Startup errors name the key or file at fault; print them plainly and exit non-zero.
  console.error(isAppError(error) ? `provisiond: ${error.message}` : error);
  process.exit(1);
});

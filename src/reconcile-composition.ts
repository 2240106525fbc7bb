/**
 * The reconciler put together: inventories and repairs built from the same
 * InfrastructureSettings the daemon uses, owned services read from the store, and the pure
 * comparison and plan of src/reconcile. Used by `provisiond reconcile` (src/cli.ts) and by the
 * daemon's periodic run (startReconcileLoop).
 *
 * Repairs are the lifecycle's own owner-checked effects (start/stop through HA, the
 * idempotent creates, the deletes) plus the few inventory repairs the lifecycle lacks; every
 * one checks our marker before it changes anything.
 */
import { AppError, isAppError } from './errors.js';
import { createCloudflareClient } from './effects/cloudflare/client.js';
import { createCloudflareEffects } from './effects/cloudflare/cloudflare.effects.js';
import { createCloudflareInventory } from './effects/cloudflare/inventory.js';
import { createIspconfigInventory } from './effects/ispconfig/inventory.js';
import { createIspconfigEffects } from './effects/ispconfig/ispconfig.effects.js';
import { createNpmInventory } from './effects/npm/inventory.js';
import { createNpmEffects } from './effects/npm/npm.effects.js';
import { createProxmoxClient } from './effects/proxmox/client.js';
import { createProxmoxInventory } from './effects/proxmox/inventory.js';
import { createProxmoxEffects } from './effects/proxmox/proxmox.effects.js';
import type { InfrastructureSettings } from './infrastructure.js';
import type { Logger } from './log.js';
import type { Store } from './persistence/types.js';
import { reconcile, type Repairs } from './reconcile/reconciler.js';
import { summarise, type Report } from './reconcile/report.js';
import type { OwnedService } from './reconcile/types.js';

export interface ReconcilerOptions {
  readonly settings: InfrastructureSettings;
  readonly store: Store;
  /** The site domain: a service's FQDN is `<subdomain>.<baseDomain>`. */
  readonly baseDomain: string;
  readonly logger: Logger;
}

export interface RunOptions {
  readonly fix: boolean;
  readonly signal?: AbortSignal;
}

export interface Reconciler {
  run(options: RunOptions): Promise<Report>;
  /** Close the clients it built (connections, sessions). */
  close(): Promise<void>;
}

/** How long a suspended site's container gets to shut down cleanly before it is stopped. */
const SHUTDOWN_SECONDS = 60;
const PAGE = 500;

/** Every service of the database (deleted ones too), with its live custom domains. */
export function ownedServices(store: Store, baseDomain: string): OwnedService[] {
  const services: OwnedService[] = [];
  for (let after = ''; ; ) {
    const page = store.services.list({ after, limit: PAGE });
    for (const record of page) {
      services.push({
        serviceId: record.serviceId,
        state: record.state,
        step: record.step,
        vmid: record.vmid,
        privateIp: record.privateIp,
        publicIp: record.publicIp,
        fqdn: `${record.subdomain}.${baseDomain}`.toLowerCase(),
        domains: store.domains
          .list(record.serviceId)
          .filter((d) => d.removedAt === null)
          .map((d) => ({ domain: d.domain.toLowerCase().replace(/\.$/, ''), state: d.state })),
      });
    }
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) return services;
    after = last.serviceId;
  }
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { settings, store, baseDomain, logger } = options;
  const proxmoxClient = createProxmoxClient(settings.proxmox);
  const proxmox = createProxmoxEffects({ config: settings.proxmox, client: proxmoxClient });
  const proxmoxInventory = createProxmoxInventory(proxmoxClient);
  const { apiToken, baseUrl, requestsPer5Minutes, zoneId } = settings.cloudflare;
  const cloudflareClient = createCloudflareClient({
    apiToken,
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(requestsPer5Minutes === undefined ? {} : { budget: { requests: requestsPer5Minutes, windowMs: 300_000 } }),
  });
  const cloudflare = createCloudflareEffects({ zoneId, client: cloudflareClient });
  const cloudflareInventory = createCloudflareInventory({ client: cloudflareClient, zoneId });
  const npm = createNpmEffects(settings.npm);
  const npmInventory = createNpmInventory(settings.npm);
  const ispconfig = createIspconfigEffects(settings.ispconfig);
  const ispconfigInventory = createIspconfigInventory(settings.ispconfig);

  const repairs: Repairs = {
    startContainer: ({ serviceId, vmid }, signal) => proxmox.startContainer({ serviceId, vmid }, signal),
    // Kind to the site's database first, as suspending is; a guest that ignores it is stopped.
    stopContainer: async ({ serviceId, vmid }, signal) => {
      try {
        await proxmox.shutdownContainer({ serviceId, vmid, timeoutSeconds: SHUTDOWN_SECONDS }, signal);
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'SHUTDOWN_TIMEOUT')) throw error;
        await proxmox.stopContainer({ serviceId, vmid }, signal);
      }
    },
    // The deletion order of the lifecycle: stop, HA, snapshots, container and disk.
    destroyContainer: async ({ serviceId, vmid }, signal) => {
      await proxmox.stopContainer({ serviceId, vmid }, signal);
      await proxmox.removeHa({ serviceId, vmid }, signal);
      await proxmox.deleteSnapshots({ serviceId, vmid }, signal);
      await proxmox.destroyContainer({ serviceId, vmid }, signal);
    },
    ensureDnsRecord: ({ serviceId, fqdn, publicIp }, signal) => cloudflare.createDnsRecord({ serviceId, fqdn, publicIp }, signal),
    deleteDnsRecord: ({ serviceId, id }, signal) => cloudflareInventory.deleteRecord({ serviceId, id }, signal),
    ensureProxyHost: ({ serviceId, fqdn, privateIp }, signal) => npm.createProxyHost({ serviceId, fqdn, privateIp }, signal),
    ensureDomainProxyHost: ({ serviceId, domain, privateIp, publicIp }, signal) => npm.createDomainProxyHost({ serviceId, domain, privateIp, publicIp }, signal),
    retargetProxyHost: ({ serviceId, id, domain, privateIp }, signal) => npmInventory.retargetHost({ serviceId, id, domain, privateIp }, signal),
    deleteProxyHost: ({ serviceId, domain }, signal) => npm.deleteProxyHost({ serviceId, fqdn: domain }, signal),
    ensureDnsZone: ({ serviceId, domain, privateIp, publicIp }, signal) => ispconfig.createDnsZone({ serviceId, domain, privateIp, publicIp }, signal),
    removeDnsZone: ({ serviceId, domain }, signal) => ispconfig.removeDnsZone({ serviceId, domain }, signal),
  };

  return {
    run: ({ fix, signal }) =>
      reconcile(
        {
          inventories: {
            proxmox: (s) => proxmoxInventory.containers(s),
            cloudflare: (s) => cloudflareInventory.records(s),
            npm: (s) => npmInventory.hosts(s),
            ispconfig: (s) => ispconfigInventory.zones(s),
          },
          owned: () => ownedServices(store, baseDomain),
          currentState: (serviceId) => store.services.get(serviceId)?.state,
          repairs,
          expect: { sitePort: settings.npm.sitePort ?? 80 },
          onRepair: (finding, outcome) => {
            const fields = { system: finding.system, resource: finding.resource, serviceId: finding.serviceId, kind: finding.kind, outcome };
            if (outcome.status === 'failed') logger.warn(fields, 'reconcile: repair failed');
            else logger.info(fields, `reconcile: ${outcome.status}`);
          },
        },
        { fix, ...(signal === undefined ? {} : { signal }) },
      ),
    close: async () => {
      await Promise.allSettled([proxmoxClient.close(), npm.close(), npmInventory.close(), ispconfig.close(), ispconfigInventory.close()]);
    },
  };
}

/** One run with clients of its own, closed afterwards. */
export async function reconcileOnce(options: ReconcilerOptions & RunOptions): Promise<Report> {
  const reconciler = createReconciler(options);
  try {
    return await reconciler.run({ fix: options.fix, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  } finally {
    await reconciler.close();
  }
}

export interface ReconcileLoopOptions {
  readonly reconciler: Reconciler;
  /** Pause between the end of one run and the start of the next. */
  readonly intervalMs: number;
  readonly fix: boolean;
  readonly logger: Logger;
}

/** The daemon's periodic run (the first one interval after the start); runs never overlap. */
export function startReconcileLoop(options: ReconcileLoopOptions): { stop(): Promise<void> } {
  const { reconciler, intervalMs, fix, logger } = options;
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();

  const once = async (): Promise<void> => {
    try {
      const report = await reconciler.run({ fix, signal: abort.signal });
      // Cut short by stop(): what it saw says nothing about the systems.
      if (abort.signal.aborted) return;
      const summary = summarise(report);
      const standing = report.entries.filter((e) => e.finding.kind !== 'busy' && e.fix?.status !== 'fixed');
      for (const { finding, fix: outcome } of standing) {
        logger.warn({ kind: finding.kind, system: finding.system, resource: finding.resource, serviceId: finding.serviceId, detail: finding.detail, ...(outcome === undefined ? {} : { outcome }) }, 'reconcile: finding');
      }
      for (const { system, message } of report.unreadable) logger.warn({ system, message }, 'reconcile: system not read');
      logger.info({ ...summary, fix }, 'reconcile: run finished');
    } catch (error) {
      if (abort.signal.aborted) return;
      logger.error({ err: isAppError(error) ? { code: error.code, message: error.message } : error }, 'reconcile: run failed');
    }
  };
  const schedule = (): void => {
    if (abort.signal.aborted) return;
    timer = setTimeout(() => {
      running = once().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      abort.abort();
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}

/**
 * A loopback simulator of the Proxmox VE 9 REST API under `/api2/json`, faithful to what
 * provisiond relies on (reference: NOTES.md and the vendored schema.json): API-token auth with
 * delayed 401s, schema validation with PVE's own error bodies, UPID tasks that finish after the
 * timing table's time, LXC lifecycle with locks, snapshots that capture the root filesystem,
 * HA resources and PVE 9 rules with a CRM that drives requested states, two nodes.
 *
 * It serves plain HTTP; the real API is HTTPS on :8006 with the cluster CA, and verifying that
 * (or pinning a fingerprint) is the client's business (issue #4), not the sandbox's.
 *
 * Operation names (faults and counters):
 *   proxmox.version.get, proxmox.cluster.nextid, proxmox.cluster.resources, proxmox.cluster.status,
 *   proxmox.cluster.tasks, proxmox.nodes.list, proxmox.nodes.status, proxmox.storage.list,
 *   proxmox.storage.content,
 *   proxmox.tasks.list, proxmox.tasks.index, proxmox.tasks.status, proxmox.tasks.log, proxmox.tasks.stop,
 *   proxmox.lxc.list, proxmox.lxc.create, proxmox.lxc.index, proxmox.lxc.destroy,
 *   proxmox.lxc.config.get, proxmox.lxc.config.update, proxmox.lxc.interfaces, proxmox.lxc.feature,
 *   proxmox.lxc.resize,
 *   proxmox.lxc.status.current, proxmox.lxc.status.start, proxmox.lxc.status.stop,
 *   proxmox.lxc.status.shutdown, proxmox.lxc.status.reboot,
 *   proxmox.lxc.snapshot.list, proxmox.lxc.snapshot.create, proxmox.lxc.snapshot.delete,
 *   proxmox.lxc.snapshot.rollback, proxmox.lxc.snapshot.config,
 *   proxmox.ha.resources.list, proxmox.ha.resources.create, proxmox.ha.resources.get,
 *   proxmox.ha.resources.update, proxmox.ha.resources.delete,
 *   proxmox.ha.rules.list, proxmox.ha.rules.create, proxmox.ha.rules.get, proxmox.ha.rules.update,
 *   proxmox.ha.rules.delete, proxmox.ha.status.current
 */
import type { FastifyInstance } from 'fastify';
import type { Faults } from '../core/faults.js';
import { createHttpSimulator } from '../core/http-simulator.js';
import type { Latency } from '../core/timing.js';
import type { World } from '../core/world.js';
import { Cluster, DEFAULT_STORAGES, type StorageDefinition } from './cluster-state.js';
import { clusterRoutes } from './cluster-routes.js';
import { HaManager } from './ha-manager.js';
import { haRoutes } from './ha-routes.js';
import { lxcRoutes } from './lxc-routes.js';
import { lxcStatusRoutes } from './lxc-status-routes.js';
import { PowerOps } from './power-ops.js';
import type { ProxmoxContext } from './proxmox-context.js';
import { formatPveError } from './pve-errors.js';
import { resizeRoutes } from './resize-routes.js';
import { servePveRoutes } from './pve-route.js';
import { installBodyParsers } from './request-params.js';
import { Scheduler } from './scheduler.js';
import { snapshotRoutes } from './snapshot-routes.js';
import { TaskRegistry } from './task-registry.js';
import { taskRoutes } from './task-routes.js';
import { installTokenAuth, type ApiToken } from './token-auth.js';

export type { ApiToken } from './token-auth.js';
export type { StorageDefinition } from './cluster-state.js';
export { DEFAULT_STORAGES, DEFAULT_TEMPLATE } from './cluster-state.js';

export interface ProxmoxSimulatorOptions {
  readonly world: World;
  readonly faults: Faults;
  readonly latency: Latency;
  /** Accepted API tokens; `id` like `provisiond@pve!daemon`. */
  readonly tokens: readonly ApiToken[];
  /** Default `['node1', 'node2']`. */
  readonly nodes?: readonly string[];
  /** Default: `local` (dir; vztmpl holding the Ubuntu 24.04 template) and `drbd` (rootdir, shared). */
  readonly storages?: readonly StorageDefinition[];
  /** Bridges every node has; a container on any other fails to start. Default `['vmbr0', 'vmbr1']`. */
  readonly bridges?: readonly string[];
  /**
   * How long a 401 is held back. The real server waits 3 s; the default is 3 model seconds
   * at the latency's scale (60 ms at the default scale, 0 at scale 0).
   */
  readonly unauthorizedDelayMs?: number;
  /** Wall clock in ms (uptimes, task times); injectable for tests. */
  readonly now?: () => number;
}

export function createProxmoxSimulator(options: ProxmoxSimulatorOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const scheduler = new Scheduler();
  const cluster = new Cluster(options.world, options.nodes ?? ['node1', 'node2'], options.storages ?? DEFAULT_STORAGES, options.bridges ?? ['vmbr0', 'vmbr1'], now);
  const tasks = new TaskRegistry(scheduler, now);
  const power = new PowerOps(cluster, tasks, options.latency);
  const ha = new HaManager(cluster, scheduler, options.latency, tasks, power);
  const context: ProxmoxContext = { cluster, tasks, power, ha, latency: options.latency, bootedAt: now() };

  // The HA manager looks again whenever a container changes (also behind its back) or unlocks.
  const onContainer = (vmid: number): void => ha.poke(vmid);
  options.world.events.on('container', onContainer);
  cluster.onUnlock(onContainer);

  const app = createHttpSimulator({ faults: options.faults, formatError: (status, message) => formatPveError(status, message) });
  installTokenAuth(app, options.tokens, options.unauthorizedDelayMs ?? 3000 * options.latency.scale);
  installBodyParsers(app);
  servePveRoutes(app, cluster, [
    ...clusterRoutes(context),
    ...taskRoutes(context),
    ...lxcRoutes(context),
    ...lxcStatusRoutes(context),
    ...resizeRoutes(context),
    ...snapshotRoutes(context),
    ...haRoutes(context),
  ]);
  app.addHook('onClose', async () => {
    scheduler.close();
    options.world.events.off('container', onContainer);
  });
  return app;
}

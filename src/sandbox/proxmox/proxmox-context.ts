/**
 * What the route tables share: the cluster state, the task registry, the power operations,
 * the HA manager and the latency model. Built once by the simulator factory.
 */
import type { Latency } from '../core/timing.js';
import type { Cluster } from './cluster-state.js';
import type { HaManager } from './ha-manager.js';
import type { PowerOps } from './power-ops.js';
import type { TaskRegistry } from './task-registry.js';

export interface ProxmoxContext {
  readonly cluster: Cluster;
  readonly tasks: TaskRegistry;
  readonly power: PowerOps;
  readonly ha: HaManager;
  readonly latency: Latency;
  /** When the simulator was built: the nodes' boot time. */
  readonly bootedAt: number;
}

/** Every route takes this long before its handler runs ("any other API call"). */
export function apiDelay(context: ProxmoxContext): number {
  return context.latency.ms('proxmox.api');
}

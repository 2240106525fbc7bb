/**
 * Plausible live numbers for `status/current`, the CT list and /cluster/resources: memory and
 * disk in bytes derived from the config and the simulated root filesystem, uptime and the
 * cumulative network/disk counters growing while the container runs and reset when it stops
 * (as the cgroup counters are). `disk` is 0 for a stopped container, as NOTES §8 says.
 */
import type { Cluster, Container } from './cluster-state.js';
import { rootfsBytes } from './container-config.js';
import type { HaManager } from './ha-manager.js';

const MiB = 2 ** 20;
/** An unpacked ubuntu-24.04-standard template takes about this much of the rootfs. */
const BASE_IMAGE_BYTES = 1.1 * 2 ** 30;
export const NODE_CPUS = 16;

export function uptimeOf(cluster: Cluster, ct: Container): number {
  if (!cluster.isRunning(ct)) return 0;
  // Started behind our back (another simulator flipped the world's status): count from now.
  ct.startedAt ??= cluster.now();
  return Math.max(0, Math.floor((cluster.now() - ct.startedAt) / 1000));
}

function filesBytes(ct: Container): number {
  let total = 0;
  for (const content of ct.world.files.values()) total += Buffer.byteLength(content);
  return total;
}

export interface CtMetrics {
  readonly cpu: number;
  readonly cpus: number;
  readonly maxmem: number;
  readonly mem: number;
  readonly maxswap: number;
  readonly maxdisk: number;
  readonly disk: number;
  readonly uptime: number;
  readonly netin: number;
  readonly netout: number;
  readonly diskread: number;
  readonly diskwrite: number;
}

/** The fields list, status/current and /cluster/resources share. */
export function ctMetrics(cluster: Cluster, ct: Container): CtMetrics {
  const running = cluster.isRunning(ct);
  const uptime = uptimeOf(cluster, ct);
  const maxmem = Number(ct.config.memory ?? 512) * MiB;
  const maxdisk = rootfsBytes(ct.config);
  const used = filesBytes(ct);
  const mem = running ? Math.min(maxmem, Math.round(48 * MiB + maxmem * 0.12 + used + (ct.vmid % 17) * MiB)) : 0;
  return {
    cpu: running ? Number((0.004 + ((uptime + ct.vmid) % 9) / 1000).toFixed(6)) : 0,
    cpus: Number(ct.config.cores ?? NODE_CPUS),
    maxmem,
    mem,
    maxswap: Number(ct.config.swap ?? 512) * MiB,
    maxdisk,
    disk: running ? Math.min(maxdisk, Math.round(BASE_IMAGE_BYTES + used)) : 0,
    uptime,
    netin: running ? 4096 + uptime * 1310 : 0,
    netout: running ? 2048 + uptime * 870 : 0,
    diskread: running ? 180 * MiB + uptime * 4096 : 0,
    diskwrite: running ? 12 * MiB + uptime * 2048 + used : 0,
  };
}

/** GET …/status/current. */
export function ctStatus(cluster: Cluster, ha: HaManager, ct: Container): Record<string, unknown> {
  const running = cluster.isRunning(ct);
  const state = ha.serviceState(ct.vmid);
  const result: Record<string, unknown> = {
    vmid: ct.vmid,
    name: String(ct.config.hostname ?? `CT${ct.vmid}`),
    type: 'lxc',
    status: running ? 'running' : 'stopped',
    ...ctMetrics(cluster, ct),
    ha: state === undefined ? { managed: 0 } : { managed: 1, state },
  };
  if (running) Object.assign(result, { pressurecpusome: 0.12, pressurecpufull: 0, pressureiosome: 0.03, pressureiofull: 0.01, pressurememorysome: 0, pressurememoryfull: 0 });
  if (ct.lock !== undefined) result.lock = ct.lock;
  if (ct.config.tags !== undefined) result.tags = ct.config.tags;
  if (ct.config.template === 1) result.template = 1;
  return result;
}

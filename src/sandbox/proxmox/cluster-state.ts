/**
 * The simulated cluster: nodes, storages and the containers' configurations, locks and
 * snapshots. A container's running state lives in the shared `World` (the SSH and HTTP
 * simulators read it there); this side keeps what only Proxmox knows. The helpers throw the
 * texts the real code paths die with.
 */
import { createHash } from 'node:crypto';
import type { World, WorldContainer } from '../core/world.js';
import { pveDie } from './pve-errors.js';

/** Config values as `GET …/config` returns them: booleans and sizes as numbers, the rest strings. */
export type CtConfig = Record<string, string | number>;

export interface Snapshot {
  readonly name: string;
  description: string;
  readonly snaptime: number;
  parent?: string;
  readonly config: CtConfig;
  /** The root filesystem as it was: rollback puts this back into the world's `files`. */
  readonly files: ReadonlyMap<string, string>;
}

export interface Container {
  readonly vmid: number;
  node: string;
  config: CtConfig;
  lock?: string;
  /** Insertion-ordered, oldest first. */
  readonly snapshots: Map<string, Snapshot>;
  /** The snapshot the current state descends from. */
  parent?: string;
  startedAt?: number;
  readonly world: WorldContainer;
}

export interface StorageDefinition {
  readonly id: string;
  /** PVE plugin type: `dir`, `drbd`, `lvmthin`, `zfspool`, … */
  readonly type: string;
  readonly content: readonly string[];
  readonly shared?: boolean;
  readonly totalBytes?: number;
  /** Template volumes it holds, e.g. `local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst`. */
  readonly volumes?: readonly string[];
}

export const DEFAULT_TEMPLATE = 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst';

export const DEFAULT_STORAGES: readonly StorageDefinition[] = [
  { id: 'local', type: 'dir', content: ['iso', 'vztmpl', 'backup'], totalBytes: 100 * 2 ** 30, volumes: [DEFAULT_TEMPLATE] },
  { id: 'drbd', type: 'drbd', content: ['images', 'rootdir'], shared: true, totalBytes: 2 * 2 ** 40 },
];

/** Storage types whose volumes can be snapshotted (NOTES §10). */
const SNAPSHOT_TYPES = new Set(['lvmthin', 'zfspool', 'rbd', 'btrfs', 'drbd']);

export class Cluster {
  readonly containers = new Map<number, Container>();
  private readonly unlockListeners: ((vmid: number) => void)[] = [];

  constructor(
    readonly world: World,
    readonly nodes: readonly string[],
    readonly storages: readonly StorageDefinition[],
    readonly bridges: readonly string[],
    readonly now: () => number,
  ) {}

  /** pveproxy cannot proxy to a node it cannot resolve. */
  checkNode(node: string): void {
    if (!this.nodes.includes(node)) {
      throw pveDie(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
    }
  }

  /** load_config on `node`: a CT elsewhere (or nowhere) has no config file there. */
  container(node: string, vmid: number): Container {
    this.checkNode(node);
    const ct = this.containers.get(vmid);
    if (ct === undefined || ct.node !== node) throw pveDie(`Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist`);
    return ct;
  }

  storage(id: string): StorageDefinition {
    const found = this.storages.find((s) => s.id === id);
    if (found === undefined) throw pveDie(`storage '${id}' does not exist`);
    return found;
  }

  canSnapshot(ct: Container): boolean {
    const volume = String(ct.config.rootfs ?? '');
    const storageId = volume.split(':', 1)[0] ?? '';
    const storage = this.storages.find((s) => s.id === storageId);
    return storage !== undefined && SNAPSHOT_TYPES.has(storage.type);
  }

  isRunning(ct: Container): boolean {
    return ct.world.status === 'running';
  }

  /** Change the running state and tell the world (the SSH and proxy simulators follow it). */
  setRunning(ct: Container, running: boolean): void {
    const status = running ? 'running' : 'stopped';
    ct.startedAt = running ? this.now() : undefined;
    if (ct.world.status === status) return;
    ct.world.status = status;
    this.world.containerChanged(ct.vmid);
  }

  /** Someone waits for locks to go (the HA manager retries a locked container then). */
  onUnlock(listener: (vmid: number) => void): void {
    this.unlockListeners.push(listener);
  }

  unlock(ct: Container): void {
    ct.lock = undefined;
    for (const listener of this.unlockListeners) listener(ct.vmid);
  }

  /** check_lock: any lock refuses the operation. */
  checkLock(ct: Container): void {
    if (ct.lock !== undefined) throw pveDie(`CT is locked (${ct.lock})`);
  }

  /** The digest `GET …/config` reports and `PUT …/config` compares (sha1 of the config file). */
  digest(ct: Container): string {
    const text = JSON.stringify([ct.config, ct.lock ?? null, ct.parent ?? null, [...ct.snapshots.keys()]]);
    return createHash('sha1').update(text).digest('hex');
  }
}

/**
 * What the vzstart / vzstop / vzshutdown workers do, shared by the API, the HA manager's LRM
 * and the create, destroy and rollback workers. A worker checks the lock when it begins (the
 * real `CT is locked (…)` arrives as the task's exitstatus), takes its time from the timing
 * table, then flips the state in the shared world.
 */
import type { Latency } from '../core/timing.js';
import type { Cluster, Container } from './cluster-state.js';
import { bridgeOf, ipOf } from './container-config.js';
import { pveDie } from './pve-errors.js';
import type { TaskContext, TaskRegistry } from './task-registry.js';

export type StopKind = 'vzstop' | 'vzshutdown';

export class PowerOps {
  constructor(
    private readonly cluster: Cluster,
    private readonly tasks: TaskRegistry,
    private readonly latency: Latency,
  ) {}

  /** A worker found its container gone (destroyed meanwhile, or moved). */
  assertStillThere(ct: Container): void {
    if (this.cluster.containers.get(ct.vmid) !== ct) {
      throw pveDie(`Configuration file 'nodes/${ct.node}/lxc/${ct.vmid}.conf' does not exist`);
    }
  }

  /** Carry the config's hostname and net0 address into the world the other simulators read. */
  syncWorld(ct: Container): void {
    const ip = ipOf(ct.config.net0);
    const hostname = String(ct.config.hostname ?? `CT${ct.vmid}`);
    if (ct.world.ip === ip && ct.world.hostname === hostname) return;
    ct.world.ip = ip;
    ct.world.hostname = hostname;
    this.cluster.world.containerChanged(ct.vmid);
  }

  async start(ct: Container, task: TaskContext, options: { checkLock: boolean } = { checkLock: true }): Promise<void> {
    this.assertStillThere(ct);
    if (options.checkLock) this.cluster.checkLock(ct);
    if (this.cluster.isRunning(ct)) throw pveDie(`CT ${ct.vmid} already running`);
    for (const [key, value] of Object.entries(ct.config)) {
      if (!/^net\d+$/.test(key)) continue;
      const bridge = bridgeOf(String(value));
      if (bridge !== undefined && !this.cluster.bridges.includes(bridge)) throw pveDie(`bridge '${bridge}' does not exist`);
    }
    task.log(`starting CT ${ct.vmid} on node '${ct.node}'`);
    await task.sleep(this.latency.ms('proxmox.task.vzstart'));
    this.assertStillThere(ct);
    // Another start may have won meanwhile (the real one serialises on the config flock).
    if (this.cluster.isRunning(ct)) throw pveDie(`CT ${ct.vmid} already running`);
    // pct's setup code rewrites /etc/hostname from the config on every start.
    ct.world.files.set('/etc/hostname', `${String(ct.config.hostname ?? `CT${ct.vmid}`)}\n`);
    this.cluster.setRunning(ct, true);
  }

  async stop(ct: Container, task: TaskContext, kind: StopKind, options: { checkLock: boolean } = { checkLock: true }): Promise<void> {
    this.assertStillThere(ct);
    if (options.checkLock) this.cluster.checkLock(ct);
    if (!this.cluster.isRunning(ct)) throw pveDie(`CT ${ct.vmid} not running`);
    task.log(kind === 'vzstop' ? `stopping CT ${ct.vmid}` : `shutting down CT ${ct.vmid}`);
    await task.sleep(this.latency.ms(kind === 'vzstop' ? 'proxmox.task.vzstop' : 'proxmox.task.vzshutdown'));
    this.assertStillThere(ct);
    if (!this.cluster.isRunning(ct)) throw pveDie(`CT ${ct.vmid} not running`);
    this.cluster.setRunning(ct, false);
  }

  forkStart(ct: Container, user: string): string {
    return this.tasks.fork(ct.node, 'vzstart', String(ct.vmid), user, (task) => this.start(ct, task));
  }

  forkStop(ct: Container, user: string, kind: StopKind): string {
    return this.tasks.fork(ct.node, kind, String(ct.vmid), user, (task) => this.stop(ct, task, kind));
  }
}

/**
 * The HA stack in miniature (pve-ha-manager): resources (`ct:N` with a requested state) and
 * PVE 9 rules, plus a CRM that drives each managed container toward its requested state one
 * manager round (`proxmox.ha` in the timing table) after anything changes. `started` brings a
 * container back when it stops behind HA's back; `stopped`/`disabled` keep it down. The LRM's
 * start/stop runs as a real task (user root@pam) on the container's node.
 */
import { createHash } from 'node:crypto';
import type { Latency } from '../core/timing.js';
import type { Cluster } from './cluster-state.js';
import type { PowerOps } from './power-ops.js';
import type { Scheduler } from './scheduler.js';
import type { TaskRegistry } from './task-registry.js';

export type HaOptions = Record<string, string | number>;

export interface HaResource {
  readonly sid: string;
  readonly vmid: number;
  options: HaOptions;
}

export interface HaRule {
  readonly rule: string;
  readonly type: string;
  options: HaOptions;
  readonly order: number;
}

const WANTS_RUNNING = new Set(['started', 'enabled']);
const WANTS_STOPPED = new Set(['stopped', 'disabled']);

export class HaManager {
  readonly resources = new Map<string, HaResource>();
  readonly rules = new Map<string, HaRule>();
  private readonly scheduled = new Set<number>();
  private readonly busy = new Set<number>();
  /** Failed LRM attempts per container; past `max_restart` the service is in `error`. */
  private readonly failures = new Map<number, number>();
  private nextOrder = 1;

  constructor(
    private readonly cluster: Cluster,
    private readonly scheduler: Scheduler,
    private readonly latency: Latency,
    private readonly tasks: TaskRegistry,
    private readonly power: PowerOps,
  ) {}

  resourceOf(vmid: number): HaResource | undefined {
    return this.resources.get(`ct:${vmid}`);
  }

  /** The requested state; unset means the default, `started`. */
  requested(vmid: number): string | undefined {
    const resource = this.resourceOf(vmid);
    return resource === undefined ? undefined : String(resource.options.state ?? 'started');
  }

  /** The service state the CRM reports (`hastate` in /cluster/resources). */
  serviceState(vmid: number): string | undefined {
    const requested = this.requested(vmid);
    const ct = this.cluster.containers.get(vmid);
    if (requested === undefined || ct === undefined) return undefined;
    const running = this.cluster.isRunning(ct);
    if (requested === 'ignored') return 'ignored';
    if (this.inError(vmid)) return 'error';
    if (WANTS_RUNNING.has(requested)) return running ? 'started' : 'starting';
    if (running) return 'request_stop';
    return requested === 'disabled' ? 'disabled' : 'stopped';
  }

  setRequested(vmid: number, state: string): void {
    const resource = this.resourceOf(vmid);
    if (resource === undefined) return;
    resource.options.state = state;
    if (state === 'disabled') this.failures.delete(vmid);
    this.poke(vmid);
  }

  add(resource: HaResource): void {
    this.resources.set(resource.sid, resource);
    this.poke(resource.vmid);
  }

  /** Remove a resource; with `purge` also from every rule (rules left empty go too). */
  remove(sid: string, purge: boolean): void {
    const vmid = this.resources.get(sid)?.vmid;
    if (vmid !== undefined) this.failures.delete(vmid);
    this.resources.delete(sid);
    if (!purge) return;
    for (const rule of [...this.rules.values()]) {
      const left = String(rule.options.resources ?? '').split(',').filter((s) => s !== '' && s !== sid);
      if (left.length === 0) this.rules.delete(rule.rule);
      else rule.options.resources = left.join(',');
    }
  }

  /** A service that failed more than `max_restart` times waits in `error` until disabled. */
  inError(vmid: number): boolean {
    const maxRestart = Number(this.resourceOf(vmid)?.options.max_restart ?? 1);
    return (this.failures.get(vmid) ?? 0) > maxRestart;
  }

  nextRuleOrder(): number {
    return this.nextOrder++;
  }

  resourcesDigest(): string {
    return sha1([...this.resources.values()].map((r) => [r.sid, r.options]));
  }

  rulesDigest(): string {
    return sha1([...this.rules.values()].map((r) => [r.rule, r.type, r.options]));
  }

  /** Something changed for `vmid`: let the CRM look at it in its next round. */
  poke(vmid: number): void {
    if (this.resourceOf(vmid) === undefined || this.scheduled.has(vmid)) return;
    this.scheduled.add(vmid);
    this.scheduler.after(this.latency.ms('proxmox.ha'), () => {
      this.scheduled.delete(vmid);
      this.reconcile(vmid);
    });
  }

  private reconcile(vmid: number): void {
    const requested = this.requested(vmid);
    const ct = this.cluster.containers.get(vmid);
    if (requested === undefined || ct === undefined || ct.lock !== undefined || this.busy.has(vmid)) return;
    if (requested === 'ignored' || this.inError(vmid)) return;
    const running = this.cluster.isRunning(ct);
    let upid: string | undefined;
    if (WANTS_RUNNING.has(requested) && !running) upid = this.power.forkStart(ct, 'root@pam');
    if (WANTS_STOPPED.has(requested) && running) upid = this.power.forkStop(ct, 'root@pam', 'vzshutdown');
    if (upid === undefined) return;
    this.busy.add(vmid);
    const watch = (): void => {
      const task = this.tasks.get(upid);
      if (task?.status === 'running') return this.scheduler.after(Math.max(1, this.latency.ms('proxmox.api')), watch);
      this.busy.delete(vmid);
      if (task?.exitstatus === 'OK') this.failures.delete(vmid);
      else this.failures.set(vmid, (this.failures.get(vmid) ?? 0) + 1);
      this.poke(vmid);
    };
    watch();
  }
}

function sha1(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex');
}

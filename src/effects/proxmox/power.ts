/**
 * Starting and stopping so that the state sticks: `onboot` follows the wish (a node reboot
 * must not undo a suspension), and an HA-managed container is driven through its HA requested
 * state, because the CRM would otherwise start it again. HA start/stop tasks end when the
 * request is queued (NOTES §7), so success is the real state from `status/current`.
 */
import { AppError } from '../../errors.js';
import { apiPath, type ProxmoxClient } from './client.js';
import type { Containers, CtStatus } from './containers.js';
import { classifyTaskExit, isMissing } from './errors.js';
import { haSid } from './ownership.js';
import { pollUntil, waitTask, type PollSettings } from './polling.js';
import { parseUpid } from './upid.js';

const ALREADY_RUNNING = /already running/i;
const NOT_RUNNING = /not running/i;

const said = (error: unknown, text: RegExp): boolean => error instanceof AppError && text.test(error.message);
const haManaged = (status: CtStatus): boolean => Number(status.ha?.managed ?? 0) === 1;

export class Power {
  constructor(
    private readonly client: ProxmoxClient,
    private readonly cts: Containers,
    private readonly settings: PollSettings,
  ) {}

  /** `onboot` in the config; skipped when it already has the value. */
  async setOnboot(vmid: number, config: Readonly<Record<string, unknown>>, on: boolean, signal?: AbortSignal): Promise<void> {
    if (Number(config.onboot ?? 0) === (on ? 1 : 0)) return;
    await this.cts.call(vmid, 'PUT', '/config', { onboot: on }, signal);
  }

  async setHaState(vmid: number, state: 'started' | 'stopped', signal?: AbortSignal): Promise<void> {
    await this.client.request('PUT', apiPath`/cluster/ha/resources/${haSid(vmid)}`, { state }, signal);
  }

  /** The status once it reads `want` (a vanished CT counts as stopped), or null at the deadline. */
  async waitState(vmid: number, want: 'running' | 'stopped', deadline: number, signal?: AbortSignal, onPoll?: () => Promise<void>): Promise<{ node: string | null } | null> {
    let reached = null as { node: string | null } | null;
    const ok = await pollUntil(async () => {
      let status: CtStatus & { node: string };
      try {
        status = await this.cts.status(vmid, signal);
      } catch (error) {
        if (want === 'stopped' && isMissing(error) && (await this.cts.locate(vmid, signal)) === null) {
          reached = { node: null };
          return true;
        }
        throw error;
      }
      if (status.status === want) {
        reached = { node: status.node };
        return true;
      }
      await onPoll?.();
      return false;
    }, deadline, this.settings.pollIntervalMs, signal);
    return ok ? reached : null;
  }

  /** Start (HA: requested state `started`) and wait until it really runs; returns its node. */
  async start(vmid: number, signal?: AbortSignal): Promise<string> {
    const status = await this.cts.status(vmid, signal);
    if (haManaged(status)) {
      await this.setHaState(vmid, 'started', signal);
    } else if (status.status !== 'running') {
      try {
        await waitTask(this.client, this.settings, await this.cts.call(vmid, 'POST', '/status/start', undefined, signal), signal);
      } catch (error) {
        if (!said(error, ALREADY_RUNNING)) throw error;
      }
    }
    const reached = await this.waitState(vmid, 'running', Date.now() + this.settings.taskTimeoutMs, signal);
    if (reached === null || reached.node === null) {
      throw new AppError('UPSTREAM_TIMEOUT', `container ${vmid} was not running ${this.settings.taskTimeoutMs} ms after the start`, { system: 'proxmox', retryable: true });
    }
    return reached.node;
  }

  /** Hard stop (HA: requested state `stopped` first, so the CRM leaves it down). */
  async stop(vmid: number, signal?: AbortSignal): Promise<void> {
    const status = await this.cts.status(vmid, signal);
    if (haManaged(status)) await this.setHaState(vmid, 'stopped', signal);
    if (status.status === 'running') {
      try {
        await waitTask(this.client, this.settings, await this.cts.call(vmid, 'POST', '/status/stop', undefined, signal), signal);
      } catch (error) {
        if (!said(error, NOT_RUNNING)) throw error;
      }
    }
    const reached = await this.waitState(vmid, 'stopped', Date.now() + this.settings.taskTimeoutMs, signal);
    if (reached === null) {
      throw new AppError('UPSTREAM_TIMEOUT', `container ${vmid} was still running ${this.settings.taskTimeoutMs} ms after the stop`, { system: 'proxmox', retryable: true });
    }
  }

  /**
   * Clean shutdown within `timeoutSeconds`, else SHUTDOWN_TIMEOUT (not retryable: the machine
   * then forces a stop). A shutdown task that fails on a lock ends the wait early.
   */
  async shutdown(vmid: number, timeoutSeconds: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const status = await this.cts.status(vmid, signal);
    let upid: string | undefined;
    if (haManaged(status)) {
      await this.setHaState(vmid, 'stopped', signal);
    } else if (status.status === 'running') {
      try {
        const answer = await this.cts.call(vmid, 'POST', '/status/shutdown', { timeout: Math.max(1, Math.ceil(timeoutSeconds)) }, signal);
        if (typeof answer === 'string') upid = answer;
      } catch (error) {
        if (!said(error, NOT_RUNNING)) throw error;
      }
    }
    const checkTask = async (): Promise<void> => {
      const parsed = upid === undefined ? undefined : parseUpid(upid);
      if (parsed === undefined || upid === undefined) return;
      const task = await this.client.request<{ status?: string; exitstatus?: string }>('GET', apiPath`/nodes/${parsed.node}/tasks/${upid}/status`, undefined, signal);
      if (task.status !== 'stopped' || task.exitstatus === 'OK') return;
      const failure = classifyTaskExit(task.exitstatus ?? 'unexpected status', upid);
      // Locked: waiting longer cannot help. Any other failure (the guest ignored the request) runs out the clock.
      if (failure.code === 'RESOURCE_LOCKED') throw failure;
    };
    const reached = await this.waitState(vmid, 'stopped', deadline, signal, checkTask);
    if (reached === null) {
      throw new AppError('SHUTDOWN_TIMEOUT', `container ${vmid} did not shut down within ${timeoutSeconds} s`, { system: 'proxmox', retryable: false, details: { vmid } });
    }
  }
}

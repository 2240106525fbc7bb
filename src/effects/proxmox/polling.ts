/**
 * Waiting for Proxmox to settle: a task until it stops (HTTP success is not task success,
 * NOTES §4) and a container until its real state is what we asked for (HA start/stop tasks
 * end when the request is queued, NOTES §7). Polling is part of one operation, not a retry:
 * any failed poll ends the effect, and the machine decides what happens next.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import { apiPath, type ProxmoxClient } from './client.js';
import { classifyTaskExit, classifyTransport, isTaskSuccess } from './errors.js';
import { parseUpid } from './upid.js';

export interface PollSettings {
  readonly pollIntervalMs: number;
  readonly taskTimeoutMs: number;
}

export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    throw classifyTransport(error, 'waiting for Proxmox', signal);
  }
}

interface TaskStatus {
  readonly status?: string;
  readonly exitstatus?: string;
}

/** Poll a UPID on its own node until it stops; resolves on `OK` / `WARNINGS: n`. */
export async function waitTask(client: ProxmoxClient, settings: PollSettings, upid: unknown, signal: AbortSignal | undefined): Promise<void> {
  if (typeof upid !== 'string') return; // a few calls answer null when there was nothing to do
  const parsed = parseUpid(upid);
  if (parsed === undefined) throw new AppError('UPSTREAM_UNAVAILABLE', `Proxmox answered an unparseable UPID: ${upid}`, { system: 'proxmox', retryable: true });
  const deadline = Date.now() + settings.taskTimeoutMs;
  for (;;) {
    const status = await client.request<TaskStatus>('GET', apiPath`/nodes/${parsed.node}/tasks/${upid}/status`, undefined, signal);
    if (status.status === 'stopped') {
      const exit = status.exitstatus ?? 'unexpected status';
      if (isTaskSuccess(exit)) return;
      throw classifyTaskExit(exit, upid);
    }
    if (Date.now() >= deadline) {
      throw new AppError('UPSTREAM_TIMEOUT', `Proxmox task ${upid} still running after ${settings.taskTimeoutMs} ms`, { system: 'proxmox', retryable: true, details: { upid } });
    }
    await pause(settings.pollIntervalMs, signal);
  }
}

/** Poll `probe` until it returns true or the deadline passes; false on timeout. */
export async function pollUntil(probe: () => Promise<boolean>, deadline: number, intervalMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await pause(Math.min(intervalMs, Math.max(1, deadline - Date.now())), signal);
  }
}

/**
 * Waiting for Proxmox to settle: a task until it stops (HTTP success is not task success,
 * NOTES §4) and a container until its real state is what we asked for (HA start/stop tasks
 * end when the request is queued, NOTES §7).
 *
 * A poll is a read, and reads are safe to repeat: a transient failure of one (a 502 from the
 * proxy in front of pveproxy, a reset, a read time-out) is looked at again at the next
 * interval, up to POLL_FAILURES_TOLERATED in a row. Ending the effect there instead would
 * throw away the work already done — a create task, a start that is nearly through — and
 * spend one of the step's few attempts on a single lost read (the fault storm showed it:
 * ~20 polls per attempt, 3 attempts). Permanent errors, and cancellation, end it at once.
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

/** Consecutive transient poll failures tolerated; the next one ends the effect. */
export const POLL_FAILURES_TOLERATED = 3;

/** A lost read, not an answer: a task's own exit status is a fact and ends the wait at once. */
function isTransient(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted !== true && error instanceof AppError && error.retryable && error.details?.exitstatus === undefined;
}

/**
 * Runs `read` until it answers, tolerating transient failures as described above; the pause
 * between tries is the poll interval, so the deadline still bounds the whole wait.
 */
async function patiently<T>(read: () => Promise<T>, intervalMs: number, signal: AbortSignal | undefined): Promise<T> {
  for (let failures = 0; ; ) {
    try {
      return await read();
    } catch (error) {
      failures++;
      if (!isTransient(error, signal) || failures > POLL_FAILURES_TOLERATED) throw error;
      await pause(intervalMs, signal);
    }
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
    const status = await patiently(
      () => client.request<TaskStatus>('GET', apiPath`/nodes/${parsed.node}/tasks/${upid}/status`, undefined, signal),
      settings.pollIntervalMs,
      signal,
    );
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

/**
 * Poll `probe` until it returns true or the deadline passes; false on timeout. `probe` must
 * only read: a transient failure of it is tried again (see above).
 */
export async function pollUntil(probe: () => Promise<boolean>, deadline: number, intervalMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  for (;;) {
    if (await patiently(probe, intervalMs, signal)) return true;
    if (Date.now() >= deadline) return false;
    await pause(Math.min(intervalMs, Math.max(1, deadline - Date.now())), signal);
  }
}

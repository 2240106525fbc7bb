/**
 * A container's snapshots (NOTES §9): the list without PVE's `current` pseudo-entry, and a
 * rollback that waits for its `vzrollback` task. PVE checks that the snapshot exists inside
 * the worker, so "does not exist" can arrive as the task's exit status as well as over HTTP;
 * both become SNAPSHOT_MISSING.
 */
import { AppError } from '../../errors.js';
import { apiPath, type ProxmoxClient } from './client.js';
import type { Containers, Located } from './containers.js';
import { waitTask, type PollSettings } from './polling.js';

/** The snapshot provisioning takes once the site is live; restore goes back to it. */
export const INITIAL_SNAPSHOT = 'initial';

const NO_SUCH_SNAPSHOT = /snapshot '[^']*' does not exist/i;

export function snapshotMissing(vmid: number, name: string): AppError {
  return new AppError('SNAPSHOT_MISSING', `container ${vmid} has no snapshot '${name}' to roll back to`, {
    system: 'proxmox', retryable: false, details: { vmid, snapshot: name },
  });
}

export class Snapshots {
  constructor(
    private readonly client: ProxmoxClient,
    private readonly cts: Containers,
    private readonly settings: PollSettings,
  ) {}

  /** Names, oldest first, without the `current` pseudo-entry. */
  async names(vmid: number, signal?: AbortSignal, where?: Located): Promise<string[]> {
    const list = await this.cts.call<{ name?: unknown }[]>(vmid, 'GET', '/snapshot', undefined, signal, where);
    return list.map((s) => String(s.name ?? '')).filter((name) => name !== '' && name !== 'current');
  }

  /** `where`: the CT as the caller located it a moment ago (Containers.call). */
  async has(vmid: number, name: string, signal?: AbortSignal, where?: Located): Promise<boolean> {
    return (await this.names(vmid, signal, where)).includes(name);
  }

  /**
   * Roll back and wait for the task. Without `start`: the caller decides how the container
   * comes back (an HA-managed one must come back through its HA state, not behind the CRM).
   */
  async rollback(vmid: number, name: string, signal?: AbortSignal): Promise<void> {
    try {
      const upid = await this.cts.call(vmid, 'POST', apiPath`/snapshot/${name}/rollback`, undefined, signal);
      await waitTask(this.client, this.settings, upid, signal);
    } catch (error) {
      if (error instanceof AppError && NO_SUCH_SNAPSHOT.test(error.message)) throw snapshotMissing(vmid, name);
      throw error;
    }
  }
}

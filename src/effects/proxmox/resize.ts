/**
 * A plan change on a container that is ours: memory and cores are one config write (LXC
 * applies both to a running container at once), the root disk grows with `PUT …/resize`
 * (a `resize` task). Proxmox cannot shrink a volume, so a smaller disk is refused before
 * anything changes: half a plan change would be worse than none. Sizes are absolute, so a
 * repeat finds nothing left to do.
 */
import { AppError } from '../../errors.js';
import type { ProxmoxClient } from './client.js';
import type { Containers } from './containers.js';
import { GIB, volumeBytes } from './disk-size.js';
import { waitTask, type PollSettings } from './polling.js';

export interface Resources {
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly cores: number;
}

/** pve-container resize_vm's own refusals (synchronous, and again inside the worker). */
const SHRINK = /unable to shrink disk size/i;
const SAME_SIZE = /disk is already at specified size/i;

function shrinkRefused(vmid: number, currentBytes: number | undefined, diskGb: number): AppError {
  const current = currentBytes === undefined ? 'its current size' : `${currentBytes / GIB} GiB`;
  return new AppError('DISK_SHRINK_REFUSED', `container ${vmid}: the disk cannot shrink from ${current} to ${diskGb} GiB (Proxmox only grows volumes)`, {
    system: 'proxmox', retryable: false, field: 'diskGb',
    details: { vmid, requestedGb: diskGb, ...(currentBytes === undefined ? {} : { currentGb: currentBytes / GIB }) },
  });
}

function checkResources(wanted: Resources): void {
  for (const [field, value] of Object.entries(wanted)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new AppError('VALIDATION_FAILED', `${field} must be a positive whole number, got ${String(value)}`, { system: 'proxmox', field });
    }
  }
}

export class Resizer {
  constructor(
    private readonly client: ProxmoxClient,
    private readonly cts: Containers,
    private readonly settings: PollSettings,
  ) {}

  /** Bring memory, cores and the root disk to `wanted`; `config` is the container's as just read. */
  async apply(vmid: number, config: Readonly<Record<string, unknown>>, wanted: Resources, signal?: AbortSignal): Promise<void> {
    checkResources(wanted);
    const currentBytes = volumeBytes(config.rootfs);
    const wantedBytes = wanted.diskGb * GIB;
    if (currentBytes !== undefined && wantedBytes < currentBytes) throw shrinkRefused(vmid, currentBytes, wanted.diskGb);

    const changes: Record<string, number> = {};
    if (Number(config.memory) !== wanted.memoryMb) changes.memory = wanted.memoryMb;
    // Unset cores means "every core of the node": a plan always names a number.
    if (Number(config.cores) !== wanted.cores) changes.cores = wanted.cores;
    if (Object.keys(changes).length > 0) {
      // The digest makes a write that raced another change fail (RESOURCE_LOCKED, retryable) instead of undoing it.
      const digest = typeof config.digest === 'string' ? config.digest : undefined;
      await this.cts.call(vmid, 'PUT', '/config', { ...changes, digest }, signal);
    }

    // Size unknown: let Proxmox judge; its refusals are mapped below.
    if (currentBytes !== undefined && wantedBytes === currentBytes) return;
    try {
      const upid = await this.cts.call(vmid, 'PUT', '/resize', { disk: 'rootfs', size: `${wanted.diskGb}G` }, signal);
      await waitTask(this.client, this.settings, upid, signal);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // A parallel run grew it first.
      if (SAME_SIZE.test(error.message)) return;
      if (SHRINK.test(error.message)) throw shrinkRefused(vmid, currentBytes, wanted.diskGb);
      throw error;
    }
  }
}

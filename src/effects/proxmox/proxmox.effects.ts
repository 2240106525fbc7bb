/**
 * The Proxmox effects of the service lifecycle (src/machines/effect-contracts.ts). Each one
 * is idempotent and owner-checked: it looks before it acts, adopts what carries our marker,
 * refuses (NOT_OURS) what does not, and treats "already gone" as done. One attempt per call;
 * only waiting for tasks and states polls.
 */
import type { ContainerReading } from '../../domain/container-reading.js';
import { AppError } from '../../errors.js';
import { apiPath, type ProxmoxClient } from './client.js';
import { resolveConfig, type ProxmoxConfig } from './proxmox-config.js';
import { Containers } from './containers.js';
import { isConflict, isMissing, notOurs } from './errors.js';
import { Ha } from './ha.js';
import { marker, OWNER_TAG, serviceTag } from './ownership.js';
import { waitTask } from './polling.js';
import { Power } from './power.js';
import { Resizer, type Resources } from './resize.js';
import { INITIAL_SNAPSHOT, snapshotMissing, Snapshots } from './snapshots.js';

export interface ServiceRef {
  readonly serviceId: string;
}
export interface ContainerRef extends ServiceRef {
  readonly vmid: number;
}
export interface CreateContainerInput extends ContainerRef {
  /** The site's FQDN, used as the container's hostname. */
  readonly hostname: string;
  readonly privateIp: string;
  readonly resources: { readonly memoryMb: number; readonly diskGb: number; readonly cores: number };
}
export interface ShutdownInput extends ContainerRef {
  readonly timeoutSeconds: number;
}
export interface ResizeInput extends ContainerRef, Resources {}
/** Live status and usage of a container (the shape status replies show). */
export type ContainerStatus = ContainerReading;

export interface ProxmoxEffectsDeps {
  readonly config: ProxmoxConfig;
  readonly client: ProxmoxClient;
}

export function createProxmoxEffects(deps: ProxmoxEffectsDeps) {
  const config = resolveConfig(deps.config);
  const { client } = deps;
  const cts = new Containers(client);
  const power = new Power(client, cts, config);
  const ha = new Ha(client, config.nodes);
  const snapshots = new Snapshots(client, cts, config);
  const resizer = new Resizer(client, cts, config);

  const createParams = (input: CreateContainerInput) => ({
    vmid: input.vmid,
    ostemplate: config.template,
    rootfs: `${config.storage}:${input.resources.diskGb}`,
    net0: `name=eth0,bridge=${config.bridge},ip=${input.privateIp}/${config.cidr},gw=${config.gateway}`,
    hostname: input.hostname,
    memory: input.resources.memoryMb,
    swap: config.swapMb,
    cores: input.resources.cores,
    // Create defaults it to 1 although the schema says 0 (NOTES §6): say it explicitly.
    unprivileged: true,
    // The only feature an API token may set (NOTES §3).
    features: 'nesting=1',
    onboot: true,
    tags: `${OWNER_TAG};${serviceTag(input.serviceId)}`,
    description: marker(input.serviceId),
  });

  /** Ours already: wait out a create still running, then make sure it runs. */
  const adopt = async (input: CreateContainerInput, lock: string | undefined, signal: AbortSignal): Promise<{ node: string }> => {
    if (lock !== undefined) {
      throw new AppError('RESOURCE_LOCKED', `container ${input.vmid} is locked (${lock}); an earlier create may still be running`, { system: 'proxmox', retryable: true });
    }
    return { node: await power.start(input.vmid, signal) };
  };

  const createContainer = async (input: CreateContainerInput, signal: AbortSignal): Promise<{ node: string }> => {
    const found = await cts.inspect(input.vmid, input.serviceId, signal);
    if (found.kind === 'foreign') throw notOurs(`container ${input.vmid}`, input.serviceId);
    if (found.kind === 'ours') return adopt(input, found.located.lock, signal);
    let upid: unknown;
    try {
      upid = await client.request('POST', apiPath`/nodes/${config.homeNode}/lxc`, createParams(input), signal);
    } catch (error) {
      if (!isConflict(error)) throw error;
      // Someone created this VMID between our look and our create: ours (a parallel run) or not.
      const again = await cts.inspect(input.vmid, input.serviceId, signal);
      if (again.kind !== 'ours') throw again.kind === 'foreign' ? notOurs(`container ${input.vmid}`, input.serviceId) : error;
      return adopt(input, again.located.lock, signal);
    }
    await waitTask(client, config, upid, signal);
    return { node: await power.start(input.vmid, signal) };
  };

  const registerHa = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) throw new AppError('UPSTREAM_REJECTED', `container ${input.vmid} does not exist: nothing to put under HA`, { system: 'proxmox' });
    await ha.ensureResource(input.vmid, input.serviceId, signal);
    await ha.ensurePlacement(input.vmid, input.serviceId, signal);
  };

  const removeHa = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    // The CT may be gone already; if it exists it must be ours.
    await cts.ours(input.vmid, input.serviceId, signal);
    await ha.remove(input.vmid, input.serviceId, signal);
  };

  const takeSnapshot = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) throw new AppError('UPSTREAM_REJECTED', `container ${input.vmid} does not exist: nothing to snapshot`, { system: 'proxmox' });
    // Where the ownership check just found it: at the end of provisioning every container is
    // snapshotted at once, and each listing of all guests costs O(guests) on both sides.
    if (await snapshots.has(input.vmid, INITIAL_SNAPSHOT, signal, ct.located)) return;
    try {
      const upid = await cts.call(input.vmid, 'POST', '/snapshot', { snapname: INITIAL_SNAPSHOT, description: marker(input.serviceId) }, signal, ct.located);
      await waitTask(client, config, upid, signal);
    } catch (error) {
      // A parallel run took it first (the name check runs inside the worker).
      if (!isConflict(error)) throw error;
    }
  };

  const deleteSnapshots = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    if ((await cts.ours(input.vmid, input.serviceId, signal)) === null) return;
    // Newest first: storages that only roll back to the latest snapshot stay consistent.
    for (const name of (await snapshots.names(input.vmid, signal)).reverse()) {
      try {
        const upid = await cts.call(input.vmid, 'DELETE', apiPath`/snapshot/${name}`, undefined, signal);
        await waitTask(client, config, upid, signal);
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
  };

  const shutdownContainer = async (input: ShutdownInput, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) return; // gone is as down as it gets
    await power.setOnboot(input.vmid, ct.config, false, signal);
    await power.shutdown(input.vmid, input.timeoutSeconds, signal);
  };

  const stopContainer = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) return;
    await power.setOnboot(input.vmid, ct.config, false, signal);
    await power.stop(input.vmid, signal);
  };

  const startContainer = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) throw new AppError('UPSTREAM_REJECTED', `container ${input.vmid} does not exist: nothing to start`, { system: 'proxmox' });
    await power.setOnboot(input.vmid, ct.config, true, signal);
    await power.start(input.vmid, signal);
  };

  const destroyContainer = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) return;
    // Stopped first (HA told to keep it down), so neither the CRM nor a running guest gets in the way.
    await power.stop(input.vmid, signal);
    try {
      // purge: out of HA resources, rules and backup jobs too; force: stop if it runs again.
      const upid = await cts.call(input.vmid, 'DELETE', '', { purge: true, 'destroy-unreferenced-disks': true, force: true }, signal);
      await waitTask(client, config, upid, signal);
    } catch (error) {
      if (isMissing(error) && (await cts.locate(input.vmid, signal)) === null) return;
      throw error;
    }
  };

  /** Free for this service: nobody has the VMID, or this service's own container does. */
  const vmidFree = async (input: ContainerRef, signal: AbortSignal): Promise<boolean> =>
    (await cts.inspect(input.vmid, input.serviceId, signal)).kind !== 'foreign';

  const containerStatus = async (input: ContainerRef, signal: AbortSignal): Promise<ContainerStatus | null> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) return null;
    let status;
    try {
      // Where the ownership check just found it (the SSH effects ask this before each command).
      status = await cts.status(input.vmid, signal, ct.located);
    } catch (error) {
      if (isMissing(error) && (await cts.locate(input.vmid, signal)) === null) return null;
      throw error;
    }
    return {
      status: status.status,
      cpu: Number(status.cpu ?? 0),
      memoryBytes: Number(status.mem ?? 0),
      maxMemoryBytes: Number(status.maxmem ?? 0),
      diskBytes: Number(status.disk ?? 0),
      maxDiskBytes: Number(status.maxdisk ?? 0),
      uptimeSeconds: Number(status.uptime ?? 0),
      node: status.node,
    };
  };

  /**
   * The node our container runs on now, null when it does not exist: what the SSH effects need
   * before each command (HA may have moved it), without the `status/current` read that
   * `containerStatus` adds — one listing (shared, client.ts) and the config for the ownership check.
   */
  const containerNode = async (input: ContainerRef, signal: AbortSignal): Promise<string | null> =>
    (await cts.ours(input.vmid, input.serviceId, signal))?.located.node ?? null;

  /** Memory and cores to the plan's, the root disk grown to it; a smaller disk is DISK_SHRINK_REFUSED. */
  const resizeContainer = async (input: ResizeInput, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) throw new AppError('UPSTREAM_REJECTED', `container ${input.vmid} does not exist: nothing to resize`, { system: 'proxmox' });
    await resizer.apply(input.vmid, ct.config, { memoryMb: input.memoryMb, diskGb: input.diskGb, cores: input.cores }, signal);
  };

  /** Does our container have its `initial` snapshot? False when there is no container. */
  const snapshotExists = async (input: ContainerRef, signal: AbortSignal): Promise<boolean> => {
    if ((await cts.ours(input.vmid, input.serviceId, signal)) === null) return false;
    return snapshots.has(input.vmid, INITIAL_SNAPSHOT, signal);
  };

  /**
   * Back to the `initial` snapshot, running afterwards. The container is stopped first
   * through Power (HA: requested state `stopped`): a rollback hard-stops a running CT behind
   * the CRM's back, and the CRM would answer with starts that fail on the rollback lock,
   * count as restart failures and can end in HA `error`, or race our own start afterwards.
   * With HA told to keep it down, the rollback runs undisturbed, and the start goes through
   * HA (`started`) again. Running it twice rolls back twice: the same end state.
   */
  const restoreSnapshot = async (input: ContainerRef, signal: AbortSignal): Promise<void> => {
    const ct = await cts.ours(input.vmid, input.serviceId, signal);
    if (ct === null) throw new AppError('UPSTREAM_REJECTED', `container ${input.vmid} does not exist: nothing to restore`, { system: 'proxmox' });
    // Checked before anything stops: without the snapshot the site stays as it is.
    if (!(await snapshots.has(input.vmid, INITIAL_SNAPSHOT, signal))) throw snapshotMissing(input.vmid, INITIAL_SNAPSHOT);
    await power.stop(input.vmid, signal);
    await snapshots.rollback(input.vmid, INITIAL_SNAPSHOT, signal);
    // The rollback put the snapshot's config back: read it again before deciding on onboot.
    const restored = await cts.ours(input.vmid, input.serviceId, signal);
    if (restored === null) throw new AppError('UPSTREAM_REJECTED', `container ${input.vmid} vanished during the rollback`, { system: 'proxmox' });
    await power.setOnboot(input.vmid, restored.config, true, signal);
    await power.start(input.vmid, signal);
  };

  return {
    createContainer,
    registerHa,
    takeSnapshot,
    shutdownContainer,
    stopContainer,
    startContainer,
    removeHa,
    deleteSnapshots,
    destroyContainer,
    vmidFree,
    containerStatus,
    containerNode,
    resizeContainer,
    snapshotExists,
    restoreSnapshot,
  };
}

export type ProxmoxEffects = ReturnType<typeof createProxmoxEffects>;

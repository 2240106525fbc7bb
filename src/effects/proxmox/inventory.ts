/**
 * Every LXC container on the cluster with the owner its description names (the line
 * `provisiond:<serviceId>`, ownership.ts), for the reconciler. Tags never prove ownership, so
 * every container's config is read; one without a marker is listed with `owner: null` and is
 * never acted on. A marked container's power state is read from `status/current`, because
 * `/cluster/resources` may lag by a metrics broadcast (NOTES §5).
 *
 * Repairs need nothing new here: start, stop, HA removal, snapshots and destroy are the
 * lifecycle's own owner-checked effects (proxmox.effects.ts).
 */
import { apiPath, type ProxmoxClient } from './client.js';
import { Containers, type CtStatus } from './containers.js';
import { isMissing } from './errors.js';

export interface InventoryContainer {
  readonly vmid: number;
  readonly node: string;
  /** `running` or `stopped` as Proxmox reads it; anything else means "not known now". */
  readonly status: string;
  /** The service id of our marker, or null. */
  readonly owner: string | null;
  readonly ip: string | null;
  readonly lock?: string;
}

const MARKER_LINE = /^provisiond:([A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

/** The service id of the first marker line in a description, or null. */
export function ownerOfDescription(description: unknown): string | null {
  if (typeof description !== 'string') return null;
  for (const line of description.split('\n')) {
    const match = MARKER_LINE.exec(line.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

/** The address of `net0` (`…,ip=192.168.1.100/24,…`), or null (dhcp, none). */
export function ipOfNet(net: unknown): string | null {
  if (typeof net !== 'string') return null;
  return /(?:^|,)ip=(\d{1,3}(?:\.\d{1,3}){3})(?:\/\d+)?(?:,|$)/.exec(net)?.[1] ?? null;
}

export function createProxmoxInventory(client: ProxmoxClient) {
  const cts = new Containers(client);

  /**
   * A read on the container's node; if it moved (HA) or vanished between the listing and the
   * read, locate it once more and read there. Null when it is gone.
   */
  const readOnNode = async <T>(vmid: number, node: string, sub: string, signal: AbortSignal): Promise<{ value: T; node: string } | null> => {
    try {
      return { value: await client.request<T>('GET', `${apiPath`/nodes/${node}/lxc/${vmid}`}${sub}`, undefined, signal), node };
    } catch (error) {
      if (!isMissing(error)) throw error;
      const located = await cts.locate(vmid, signal);
      if (located === null || located.type !== 'lxc') return null;
      return { value: await client.request<T>('GET', `${apiPath`/nodes/${located.node}/lxc/${vmid}`}${sub}`, undefined, signal), node: located.node };
    }
  };

  const inspect = async (guest: Record<string, unknown>, signal: AbortSignal): Promise<InventoryContainer | null> => {
    const vmid = Number(guest.vmid);
    const config = await readOnNode<Record<string, unknown>>(vmid, String(guest.node ?? ''), '/config', signal);
    if (config === null) return null;
    const owner = ownerOfDescription(config.value.description);
    const lock = typeof guest.lock === 'string' ? { lock: guest.lock } : {};
    const base = { vmid, ip: ipOfNet(config.value.net0), owner, ...lock };
    if (owner === null) return { ...base, node: config.node, status: String(guest.status ?? 'unknown') };
    const status = await readOnNode<CtStatus>(vmid, config.node, '/status/current', signal);
    if (status === null) return null;
    return { ...base, node: status.node, status: String(status.value.status ?? 'unknown') };
  };

  return {
    /** Every LXC container, marked or not (the client bounds how many reads run at once). */
    async containers(signal: AbortSignal): Promise<InventoryContainer[]> {
      const guests = await client.request<Record<string, unknown>[]>('GET', '/cluster/resources', { type: 'vm' }, signal);
      const found = await Promise.all(guests.filter((g) => g.type === 'lxc').map((guest) => inspect(guest, signal)));
      return found.filter((ct): ct is InventoryContainer => ct !== null).sort((a, b) => a.vmid - b.vmid);
    },
  };
}

export type ProxmoxInventory = ReturnType<typeof createProxmoxInventory>;

/**
 * Finding a container and deciding whether it is ours. The node is resolved from
 * `/cluster/resources` before every per-CT call because HA moves containers (NOTES §5); a
 * call that still lands on the old node fails with "Configuration file … does not exist",
 * which is classified retryable.
 */
import { AppError } from '../../errors.js';
import { apiPath, type Method, type Params, type ProxmoxClient } from './client.js';
import { isMissing, notOurs } from './errors.js';
import { carriesMarker } from './ownership.js';

export interface Located {
  readonly vmid: number;
  readonly type: string;
  readonly node: string;
  readonly status: string;
  readonly lock?: string;
  readonly hastate?: string;
}

export type Inspection =
  | { readonly kind: 'absent' }
  | { readonly kind: 'foreign'; readonly located: Located }
  | { readonly kind: 'ours'; readonly located: Located; readonly config: Readonly<Record<string, unknown>> };

export interface CtStatus {
  readonly status: string;
  readonly cpu?: number;
  readonly mem?: number;
  readonly maxmem?: number;
  readonly disk?: number;
  readonly maxdisk?: number;
  readonly uptime?: number;
  readonly lock?: string;
  readonly ha?: { readonly managed?: number; readonly state?: string };
}

export class Containers {
  constructor(private readonly client: ProxmoxClient) {}

  /** Where a guest with this VMID lives right now, or null. */
  async locate(vmid: number, signal?: AbortSignal): Promise<Located | null> {
    // Ranked as a request about this container (oldest-first.ts), shared with other locates.
    const guests = await this.client.request<Record<string, unknown>[]>('GET', '/cluster/resources', { type: 'vm' }, signal, vmid);
    const guest = guests.find((g) => Number(g.vmid) === vmid);
    if (guest === undefined) return null;
    return {
      vmid,
      type: String(guest.type ?? ''),
      node: String(guest.node ?? ''),
      status: String(guest.status ?? 'unknown'),
      ...(typeof guest.lock === 'string' ? { lock: guest.lock } : {}),
      ...(typeof guest.hastate === 'string' ? { hastate: guest.hastate } : {}),
    };
  }

  /** Absent, foreign (not an LXC or no marker for this service) or ours with its config. */
  async inspect(vmid: number, serviceId: string, signal?: AbortSignal): Promise<Inspection> {
    const located = await this.locate(vmid, signal);
    if (located === null) return { kind: 'absent' };
    if (located.type !== 'lxc') return { kind: 'foreign', located };
    let config: Record<string, unknown>;
    try {
      config = await this.client.request<Record<string, unknown>>('GET', apiPath`/nodes/${located.node}/lxc/${vmid}/config`, undefined, signal);
    } catch (error) {
      // Destroyed between the two reads: gone. Moved (HA) meanwhile: the error is retryable.
      if (isMissing(error) && (await this.locate(vmid, signal)) === null) return { kind: 'absent' };
      throw error;
    }
    return carriesMarker(config.description, serviceId) ? { kind: 'ours', located, config } : { kind: 'foreign', located };
  }

  /** Ours (with its config) or NOT_OURS; null when there is no such container. */
  async ours(vmid: number, serviceId: string, signal?: AbortSignal): Promise<Extract<Inspection, { kind: 'ours' }> | null> {
    const found = await this.inspect(vmid, serviceId, signal);
    if (found.kind === 'absent') return null;
    if (found.kind === 'foreign') throw notOurs(`container ${vmid}`, serviceId);
    return found;
  }

  /**
   * A call on `/nodes/{node}/lxc/{vmid}<sub>` with the node resolved just before it, or at
   * `where` when the caller located the CT a moment ago in the same effect (one listing of
   * every guest fewer; should HA have moved it in between, the call fails retryable as above).
   */
  async call<T = unknown>(vmid: number, method: Method, sub: string, params?: Params, signal?: AbortSignal, where?: Located): Promise<T> {
    const located = where ?? (await this.locate(vmid, signal));
    if (located === null) throw gone(vmid);
    return this.client.request<T>(method, `${apiPath`/nodes/${located.node}/lxc/${vmid}`}${sub}`, params, signal);
  }

  /** `status/current`, on the node just resolved or at `where` (see `call`). */
  async status(vmid: number, signal?: AbortSignal, where?: Located): Promise<CtStatus & { readonly node: string }> {
    const located = where ?? (await this.locate(vmid, signal));
    if (located === null) throw gone(vmid);
    const status = await this.client.request<CtStatus>('GET', apiPath`/nodes/${located.node}/lxc/${vmid}/status/current`, undefined, signal);
    return { ...status, node: located.node };
  }
}

export function gone(vmid: number): AppError {
  return new AppError('UPSTREAM_REJECTED', `container ${vmid} does not exist`, { system: 'proxmox', retryable: false, details: { missing: true, vmid } });
}

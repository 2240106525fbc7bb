/**
 * What the simulators share: the containers the Proxmox simulator manages (which the SSH
 * endpoint executes in and whose web servers the proxy reaches) and the TXT records the DNS
 * server answers. Changes are announced so dependants can follow (a container that stops
 * stops serving HTTP).
 */
import { EventEmitter } from 'node:events';

export type ContainerStatus = 'stopped' | 'running';

export interface WorldContainer {
  readonly vmid: number;
  node: string;
  status: ContainerStatus;
  /** The address from net0's `ip=…/prefix`, without the prefix; null for dhcp/none. */
  ip: string | null;
  hostname: string;
  /** The simulated root filesystem: absolute path → content. The installer's results land here. */
  readonly files: Map<string, string>;
}

export interface WorldEvents {
  /** A container was created, changed state, or was destroyed (then it is gone from the map). */
  container: [vmid: number];
}

export class World {
  readonly containers = new Map<number, WorldContainer>();
  /** Lower-case name without trailing dot → TXT values. */
  readonly txtRecords = new Map<string, string[]>();
  readonly events = new EventEmitter<WorldEvents>();

  containerChanged(vmid: number): void {
    this.events.emit('container', vmid);
  }

  setTxt(name: string, values: readonly string[]): void {
    const key = normaliseName(name);
    if (values.length === 0) this.txtRecords.delete(key);
    else this.txtRecords.set(key, [...values]);
  }

  txt(name: string): string[] {
    return this.txtRecords.get(normaliseName(name)) ?? [];
  }
}

export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * A container's live status and usage as Proxmox reports it (`status/current`): what the
 * Proxmox effect reads and what status replies show. One shape for both sides.
 */
export interface ContainerReading {
  /** `running` or `stopped`. */
  readonly status: string;
  /** The node it runs on (HA may move it). */
  readonly node: string;
  /** CPU load in busy cores (Proxmox's `cpu`: 1.5 = one and a half cores). */
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly maxMemoryBytes: number;
  readonly diskBytes: number;
  readonly maxDiskBytes: number;
  readonly uptimeSeconds: number;
}

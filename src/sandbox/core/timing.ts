/**
 * The workflow's timing table (mission: "Performance Characteristics"), in model seconds,
 * and the scale that turns it into wall-clock time. The default scale makes one whole
 * provisioning take a few seconds; 0 makes every operation instant (throughput benchmarks).
 */

/** Midpoints of the workflow's ranges, plus small costs for operations it does not list. */
export const TIMING_TABLE = {
  /** Container creation: 30–60 s. */
  'proxmox.task.vzcreate': 45,
  /** Boot after creation or unsuspend. */
  'proxmox.task.vzstart': 3,
  'proxmox.task.vzshutdown': 4,
  'proxmox.task.vzstop': 1,
  'proxmox.task.vzdestroy': 3,
  /** HA configuration: 5–10 s. */
  'proxmox.ha': 7.5,
  /** Snapshot: 10–20 s. */
  'proxmox.task.vzsnapshot': 15,
  'proxmox.task.vzdelsnapshot': 2,
  'proxmox.task.vzrollback': 5,
  /** Any other API call. */
  'proxmox.api': 0.05,
  /** DNS record: 1–2 s. */
  'cloudflare.api': 1.5,
  /** NPM configuration: 5 s (certificate included). */
  'npm.certificate': 4,
  'npm.api': 1,
  'ispconfig.api': 0.5,
  /** WordPress installation: 60–90 s. */
  'ssh.installer': 75,
  'ssh.exec': 0.2,
} as const;

export type TimedOperation = keyof typeof TIMING_TABLE;

/** Default wall-clock seconds per model second: the table's provisioning path takes ≈ 3 s. */
export const DEFAULT_TIME_SCALE = 0.02;

export class Latency {
  constructor(readonly scale: number = DEFAULT_TIME_SCALE) {
    if (!(scale >= 0)) throw new RangeError(`time scale must be ≥ 0, got ${scale}`);
  }

  /** Wall-clock milliseconds an operation takes. */
  ms(operation: TimedOperation): number {
    return TIMING_TABLE[operation] * 1000 * this.scale;
  }

  /** Wait as long as `operation` takes. */
  wait(operation: TimedOperation): Promise<void> {
    const ms = this.ms(operation);
    return ms === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  }
}

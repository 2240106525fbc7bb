/**
 * The whole daemon in this process for the benchmarks (test/support/in-process-daemon.ts builds
 * it), polling Proxmox at production's rate in model time so the critical path is the sandbox's.
 */
import { startInProcessDaemon as startDaemon, type InProcessDaemon } from '../../test/support/in-process-daemon.js';

export type { InProcessDaemon };

export const BENCH_API_TOKEN = 'bench-api-token-0123456789abcdef';

export interface DaemonOptions {
  /** Wall-clock seconds per model second of the sandbox's timing table. */
  readonly timeScale: number;
  /** First octets of a /24 the sandbox's containers get, distinct from the tests' ranges. */
  readonly privateNet?: string;
}

export function startInProcessDaemon(options: DaemonOptions): Promise<InProcessDaemon> {
  const net = options.privateNet ?? '127.44.0';
  return startDaemon({
    timeScale: options.timeScale,
    privateIps: { first: `${net}.10`, last: `${net}.250` },
    vmids: { first: 5000, last: 5999 },
    apiToken: BENCH_API_TOKEN,
    scaledPolling: true,
  });
}
